/**
 * Additional authenticated data for every encrypted column: binds each ciphertext to its row and
 * column, so a ciphertext copied elsewhere (another case, another event) fails to decrypt.
 * Everything here is derived from the row's own key columns, so rotation can rebuild it.
 */
export const aad = {
  report: (caseId: string) => `case:${caseId}:report`,
  contact: (caseId: string) => `case:${caseId}:contact`,
  event: (caseId: string, seq: number) => `case:${caseId}:event:${seq}`,
  attachmentMeta: (caseId: string, attachmentId: string) => `case:${caseId}:attachment:${attachmentId}:meta`,
  attachmentData: (caseId: string, attachmentId: string) => `case:${caseId}:attachment:${attachmentId}:data`,
  outbox: (id: string) => `outbox:${id}`,
  programKey: (fingerprint: string) => `program-key:${fingerprint}`,
  inboundMail: (id: string) => `inbound-mail:${id}`,
} as const;
