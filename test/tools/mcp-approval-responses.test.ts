import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkApprovalResponses } from '../../src/tools/kits/mcp-kit.js';
import { ApiError } from '../../src/api/errors.js';

const request = { type: 'mcp_approval_request', id: 'mcpr_1', server_label: 'calc', name: 'add', arguments: '{}' };
const response = (id: string, approve = true) => ({ type: 'mcp_approval_response', approval_request_id: id, approve });

test('an approval response answering a request in the history or the input passes', () => {
  checkApprovalResponses([request] as any, [response('mcpr_1')] as any);
  checkApprovalResponses([], [{ type: 'message', role: 'user', content: 'x' }, request, response('mcpr_1', false)] as any);
  checkApprovalResponses([], [{ type: 'message', role: 'user', content: 'no approvals' }] as any);
});

test('an approval response whose request is nowhere is a 400 naming the input item, approved or denied', () => {
  for (const approve of [true, false]) {
    assert.throws(
      () => checkApprovalResponses([request] as any, [{ type: 'message', role: 'user', content: 'x' }, response('mcpr_other', approve)] as any),
      (e: unknown) => e instanceof ApiError && e.status === 400 && e.param === 'input[1].approval_request_id' && /mcpr_other/.test(e.message),
    );
  }
});
