"""The スケジュール表: steps ①–⑦ planned on Japanese business days, forwards and backwards."""
