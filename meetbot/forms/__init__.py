"""WTForms (Flask-WTF) forms, one module per area; CSRF comes with FlaskForm."""
