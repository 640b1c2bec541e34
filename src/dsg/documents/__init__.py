"""The document folder (申請書等格納フォルダ): uploads checked, encrypted, every read logged."""
