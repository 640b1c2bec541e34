"""The document folder (申請書等格納フォルダ): uploads checked, encrypted at rest, every read logged."""
