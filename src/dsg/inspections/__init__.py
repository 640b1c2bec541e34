"""② 現地確認 and ⑦ 最終現地確認: appointments, checklists, findings, remediation rounds."""
