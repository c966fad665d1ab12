"""
German, French and Spanish words of the common account asks, glossed to the English word.

The training tickets are English. A German "Passwort zurücksetzen", a French "compte bloqué" or
a Spanish "restablecer contraseña" would otherwise share no word with them; the feature function
adds the English gloss next to each such word so the model sees "password reset", "account
locked". Words are accent-folded and lower-case, as ``features.content_words`` makes them. This
covers the common intents (password, unlock, MFA, access, new starter, leaver, licence); other
wording and other languages are gated (see ``docs/classification.md``).
"""

from __future__ import annotations

_GLOSS_LINES = {
    "password": "passwort kennwort passe contrasena clave",
    "forgot": "vergessen oublie olvide olvidado olvidada",
    "reset": "zurucksetzen rucksetzen reinitialiser reinitialisation reinitialisez restablecer "
    "resetear",
    "locked": "gesperrt sperre bloque bloquee verrouille bloqueado bloqueada",
    "unlock": "entsperren freischalten debloquer deverrouiller desbloquear",
    "access": "zugang zugriff acces acceso",
    "permission": "berechtigung berechtigungen droits permisos permiso",
    "account": "konto benutzerkonto compte cuenta",
    "user": "benutzer nutzer utilisateur usuario",
    "new": "neuer neue neues nouveau nouvelle nouvel nuevo nueva",
    "employee": "mitarbeiter mitarbeiterin employe employee empleado empleada",
    "starter": "arrivant arrivee embauche incorporacion eintritt",
    "leaver": "austritt depart baja",
    "last": "letzter letzte dernier derniere ultimo ultima",
    "license": "lizenz lizenzen licencia licencias",
    "remove": "entfernen retirer quitar",
    "delete": "loschen supprimer eliminar borrar",
    "disable": "deaktivieren sperren desactiver desactivar",
    "phone": "handy telefon telephone telefono movil portable",
    "authenticator": "authentifikator authentificateur autenticador",
    "authentication": "authentifizierung authentification autenticacion",
    "group": "gruppe groupe grupo",
    "add": "hinzufugen ajouter agregar anadir",
    "create": "anlegen erstellen einrichten creer creation crear",
    "expired": "abgelaufen expire caducada caducado vencida",
    "login": "anmelden anmeldung connexion connecter iniciar sesion",
    "printer": "drucker imprimante impresora",
    "change": "andern anderung changer modifier cambiar",
    "name": "nachname nom apellido",
}
GLOSS: dict[str, str] = {
    word: english for english, words in _GLOSS_LINES.items() for word in words.split()
}
"""Folded foreign word -> the English word it stands for."""


def gloss(words: list[str]) -> list[str]:
    """The English glosses of ``words`` that have one, in order."""
    return [GLOSS[w] for w in words if w in GLOSS]
