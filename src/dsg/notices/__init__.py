"""Notices the office issues (現地確認結果通知書, 加入完了通知書): rendered, signed, verifiable."""
