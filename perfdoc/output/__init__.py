"""Writing one document: Jinja inside a .docx (docxjinja), the model as template data (render), the
zip package (package), safe file names and atomic writes (files), PDFs through LibreOffice (pdf)."""
