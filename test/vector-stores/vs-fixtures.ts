/** Files for the vector store tests: uploads through the SDK, and a minimal PDF written by hand. */
import OpenAI, { toFile } from 'openai';

/** A one-page PDF (Helvetica text, one line per entry) with a correct cross-reference table. */
export function makePdf(lines: string[]): Buffer {
  const content = 'BT /F1 12 Tf 72 720 Td ' + lines.map((l, i) => (i ? '0 -16 Td ' : '') + `(${l.replace(/[()\\]/g, '\\$&')}) Tj`).join(' ') + ' ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export async function upload(client: OpenAI, name: string, data: string | Buffer, type?: string): Promise<string> {
  const file = await client.files.create({ file: await toFile(typeof data === 'string' ? Buffer.from(data) : data, name, type ? { type } : undefined), purpose: 'assistants' });
  return file.id;
}

/** The body of an error answer, for asserting status and `param`. */
export async function errorOf(p: Promise<unknown>): Promise<{ status: number; param: string | null; code: string | null; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { status: number; error?: { param: string | null; code: string | null; message: string } };
    return { status: e.status, param: e.error?.param ?? null, code: e.error?.code ?? null, message: e.error?.message ?? '' };
  }
  throw new Error('expected the request to fail');
}
