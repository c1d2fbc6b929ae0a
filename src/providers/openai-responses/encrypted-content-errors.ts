/** OpenAI's 400 for reasoning state it cannot use (another vendor's blob, or one from another org/model). */
export const ENCRYPTED_UNVERIFIED = /encrypted content.*could not be (verified|decrypted)/i;
