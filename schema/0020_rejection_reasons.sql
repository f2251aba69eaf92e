-- Rejections pick a reason from a published list (src/applications/rejection-reasons.ts), plus free
-- text. Earlier rejections gave free text only: they count as `other`.
ALTER TABLE applications ADD COLUMN rejection_code TEXT;
UPDATE applications SET rejection_code = 'other' WHERE status = 'rejected';
