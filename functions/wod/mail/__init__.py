"""The product's mails: Jinja2 templates (HTML autoescaped, plain text) and MIME building."""
