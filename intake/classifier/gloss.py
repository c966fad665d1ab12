"""
German, French and Spanish tickets read in English words, for a model trained on English.

The training tickets are English. A German "Passwort zurücksetzen", a French "compte bloqué" or
a Spanish "restablecer contraseña" would otherwise share no word with them, and the character
n-grams of the foreign words would outvote the few account words. So a ticket detected as
German, French or Spanish is read by the model as its **English rendering**
(``english_rendering``): word by word and phrase by phrase from a helpdesk glossary ("mot de
passe oublié" -> "password forgot", "dar de baja" -> "deactivate", "Passwortzurücksetzung" ->
"password reset": German compounds are split into known parts), function words into English
function words, and every other word (names, products, e-mails, links) kept as written. The
glossary covers the words desk users write about accounts, access, licences, joiners, leavers,
second factors and the common complaints; it is not a translator. What the rendering is worth
is measured on our translations (``benchmarks/classify_language.py``, see
``docs/classification.md``, "Language").

``GLOSS`` (single account words glossed next to the word in the features, ``gloss``) is older
and stays as it is: it is part of the packaged model's vocabulary, so it changes only with a
retrain.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
"""Folded foreign word -> the English word it stands for (the features' glosses)."""


def gloss(words: list[str]) -> list[str]:
    """The English glosses of ``words`` that have one, in order."""
    return [GLOSS[w] for w in words if w in GLOSS]


# The glossary of the English rendering. Each line: the English, then the folded foreign forms
# (lower case, accents dropped, ß as ss), comma-separated; a form of several words is a phrase
# (read before its words). An empty English drops the form (a particle, a filler).
_DE = """
password: passwort, passworter, passwortes, kennwort, kennworter, kennwortes, pw, pin
password reset: passwortzurucksetzung, passwortrucksetzung, kennwortzurucksetzung, \
passwort-reset, passwortreset
reset: zurucksetzen, zuruckgesetzt, zurucksetzung, rucksetzen, rucksetzung, resetten, \
neu setzen, setzt zuruck, setzen zuruck, setzen sie zuruck, setzt mir zuruck, reset
forgot: vergessen, vergass
lost: verloren, verlegt, weg
stolen: gestohlen, geklaut
locked: gesperrt, gesperrte, gesperrten, gesperrter, sperre, sperrung, ausgesperrt, blockiert, \
blockierte, gesperrt worden
locked out: ausgesperrt worden
unlock: entsperren, entsperrt, entsperrung, freischalten, freigeschaltet, freischaltung, \
entriegeln, aufheben
account: konto, konten, kontos, benutzerkonto, benutzerkonten, zugangskonto, account, accounts
access: zugang, zugange, zugriff, zugriffe, zugriffs, zugangs, zugriffsrechte
credentials: anmeldedaten, zugangsdaten, logindaten, anmeldeinformationen
permission: berechtigung, berechtigungen, rechte, freigabe, freigaben
admin rights: adminrechte, administratorrechte, admin-rechte
user: benutzer, benutzers, nutzer, nutzers, anwender, user
username: benutzername, benutzernamen, nutzername, anmeldename, kennung
login: anmelden, anmeldung, einloggen, login, anmeldeseite, eingeloggt, angemeldet
log in: melde mich an, mich anmelden, mich einloggen
cannot: kann nicht, komme nicht, geht nicht, lasst sich nicht, nicht mehr
new: neu, neue, neuer, neues, neuen, neuem
employee: mitarbeiter, mitarbeiterin, mitarbeitende, mitarbeitenden, mitarbeitern, \
angestellte, angestellter, kollege, kollegin, kollegen
new starter: neueinstellung, neuzugang, neuzugange, neuer mitarbeiter, neue mitarbeiterin, \
neuen mitarbeiter, neuen mitarbeiterin, eintritt, neueintritt
starts: beginnt, fangt an, startet, anfangen
start: beginn, start, arbeitsbeginn, eintrittsdatum
leaver: austritt, austritte, ausscheiden, ausscheidet, ausgeschieden, offboarding
leaving: verlasst, verlassen, kundigung, gekundigt, aufhort
left: verlassen hat, ausgeschieden ist, nicht mehr bei uns
last day: letzter tag, letzter arbeitstag, letzten arbeitstag, letzten tag
last: letzter, letzte, letzten, letztes
license: lizenz, lizenzen, lizenzschlussel, nutzungslizenz
subscription: abo, abonnement
renew: verlangern, verlangerung, erneuern
remove: entfernen, entfernt, entfernung, herausnehmen, austragen, streichen
revoke: entziehen, entzogen, widerrufen
delete: loschen, geloscht, loschung
disable: deaktivieren, deaktiviert, deaktivierung, sperren, stilllegen, abschalten
enable: aktivieren, aktiviert, aktivierung, reaktivieren, reaktivierung
create: anlegen, angelegt, erstellen, erstellt, einrichten, eingerichtet, einrichtung, \
erstellung, anlage, neuanlage, erzeugen, eroffnen, legt
add: hinzufugen, hinzugefugt, aufnehmen, aufnahme, eintragen, zufugen
grant: gewahren, erteilen, vergeben, zuweisen, zugewiesen
want: mochte, mochten, will, wollen, wurde gern, wurden gern, hatte gern, hatten gern
see: siehe, vgl
need: brauche, brauchen, braucht, benotige, benotigen, benotigt, bedarf
request: anfrage, anfragen, antrag, antrage, anforderung, beantragen, beantragt, bitte um
change: andern, geandert, anderung, anderungen, wechsel, wechseln, umstellen, tauschen
update: aktualisieren, aktualisiert, aktualisierung
name: name, namen, nachname, vorname
email: e-mail, email, mail, mails, e-mails, postfach
address: adresse
manager: vorgesetzter, vorgesetzte, fuhrungskraft, chef, chefin, teamleiter, teamleiterin
department: abteilung
transfer: versetzung, versetzt, wechselt
phone: handy, telefon, smartphone, mobiltelefon, iphone
new phone: neues handy, neues telefon, neues smartphone, handywechsel
device: gerat, gerate, geraet
authenticator: authenticator, authentifikator, authenticator-app
authentication: authentifizierung, authentifizierungs
two-factor: zwei-faktor, zweifaktor, zwei-faktor-authentifizierung, \
zweifaktorauthentifizierung
code: code, codes
recovery codes: wiederherstellungscodes, wiederherstellungscode
recovery: wiederherstellung, wiederherstellen, wiederhergestellt
security: sicherheit, sicherheits
key: schlussel
token: token
app: app, anwendung, applikation, programm, software
console: konsole, konsolen
group: gruppe, gruppen, verteiler, verteilerliste
member: mitglied, mitglieder, mitgliedschaft
membership: mitgliedschaft
team: team, teams
organization: organisation, organisationen
project: projekt, projekte, projekts
role: rolle, rollen
folder: ordner, verzeichnis, laufwerk
shared: gemeinsam, gemeinsamen, freigegeben
invite: einladen, einladung, eingeladen
error: fehler, fehlermeldung
problem: problem, probleme, storung
not working: funktioniert nicht, geht nicht mehr
works: funktioniert, klappt
help: hilfe, helfen, unterstutzung
urgent: dringend, eilig, asap
today: heute
tomorrow: morgen
since: seit, seitdem
after: nach
several: mehrere, mehrmals
attempts: versuche, versuchen, fehlversuche, fehlversuchen
wrong: falsch, falschen, falsches
receive: erhalten, bekommen, bekomme, erhalte, empfangen
arrives: ankommt, kommt an
printer: drucker
laptop: laptop, notebook, rechner
computer: computer, pc
monitor: bildschirm, monitor
badge: ausweis, zutrittskarte, badge
network: netzwerk, netz, wlan, internetverbindung, internet
connection: verbindung
page: seite, webseite, website
server: server
contract: vertrag
end: ende, endet
until: bis
from: ab, von
please: bitte, bitte um
thanks: danke, vielen dank, dankeschon, besten dank
hello: hallo, guten tag, moin, servus, liebe, lieber, sehr geehrte, sehr geehrter
regards: mit freundlichen grussen, freundliche grusse, viele grusse, beste grusse, lg, vg, mfg, \
gruss, grusse
i: ich
my: mein, meine, meinen, meinem, meiner, meines
me: mich, mir
we: wir
our: unser, unsere, unseren, unserem, unserer
you: sie, du, ihr, euch, ihnen
your: ihr, ihre, ihren, dein, deine
the: der, die, das, den, dem, des
a: ein, eine, einen, einem, einer, eines
and: und
or: oder
for: fur
with: mit
of: von
to: zu, zum, zur, an
in: in, im
on: auf, am
is: ist
are: sind
has: hat, habe, haben
was: wurde, wurden, war
can: kann, konnen, konnte, konnten
not: nicht, kein, keine, keinen
no longer: nicht mehr
again: wieder, erneut
also: auch
but: aber
how: wie
what: was
why: warum
when: wann, wenn
must: muss, mussen, musste, mussten, soll, sollen, sollte
because: weil, da, denn
now: jetzt, nun, mittlerweile, inzwischen
already: schon, bereits
still: noch, immer noch
without: ohne
other: andere, anderen, anderer, anderes
this: dies, diese, dieser, diesen, dieses, hier
there: dort, da
here: hier
which: welche, welcher, welches
who: wer
some: einige, ein paar, paar
all: alle, alles
more: mehr, weitere, weiteren
only: nur
yes: ja
no: nein
old: alt, alte, alten, alter, altes
work: arbeit, arbeiten, arbeitet
use: nutzen, benutzen, verwenden, verwendet, benutzt, genutzt
get: kriegen, bekommt
make: machen, gemacht
do: tun, macht
know: weiss, wissen
see: sehen
send: senden, schicken, geschickt, gesendet, verschickt
write: schreiben, geschrieben
buy: kaufen, gekauft
install: installieren, installiert, installation
upload: hochladen
download: herunterladen
move: umziehen, ubertragen, verschieben
fix: beheben, behoben, reparieren, repariert, korrigiert, korrigieren
wait: warten
answer: antwort, antworten
question: frage, fragen
information: informationen, info, infos
message: nachricht, meldung
ticket: ticket, vorgang
description: beschreibung
reason: grund
summary: zusammenfassung
expected: erwartet
happened: passiert
steps: schritte
step: schritt
details: details, angaben
full name: vollstandiger name
confirmed: bestatigt
following: folgende, folgenden
week: woche
month: monat, monate, monaten
day: tag, tage, tagen
year: jahr, jahre
time: zeit, mal
soon: bald
"""

_FR = """
password: mot de passe, mots de passe, mdp, passe
password reset: reinitialisation du mot de passe, reinitialiser le mot de passe, \
reinitialiser mon mot de passe
reset: reinitialiser, reinitialise, reinitialisee, reinitialisation, reinitialisez, \
reinitialisez-le, remettre a zero, reset
forgot: oublie, oubliee, oublier
forgot password: mot de passe oublie
lost: perdu, perdue, perdus
stolen: vole, volee
locked: bloque, bloquee, bloques, bloquees, verrouille, verrouillee, blocage, verrouillage, \
suspendu
locked out: bloque dehors
unlock: debloquer, debloquez, deblocage, deverrouiller, deverrouillez, deverrouillage
account: compte, comptes
access: acces, acceder, accede
credentials: identifiants, identifiant de connexion, informations de connexion
permission: droit, droits, autorisation, autorisations, permission, permissions, habilitation, \
habilitations
admin rights: droits admin, droits d'administrateur, droits administrateur
user: utilisateur, utilisateurs, utilisatrice, usager
username: nom d'utilisateur, identifiant, login
login: connexion, connecter, connecte, se connecter, me connecter, ouvrir une session
cannot: n'arrive pas, ne peux pas, ne peux plus, impossible de, impossible, n'arrive plus, \
arrive pas, arrive plus
new: nouveau, nouvelle, nouvel, nouveaux, nouvelles
employee: employe, employee, employes, salarie, salariee, collaborateur, collaboratrice, \
collaborateurs, collegue, agent
new starter: nouvel arrivant, nouvelle arrivante, nouvel employe, nouvelle employee, \
nouveau collaborateur, nouvelle collaboratrice, arrivee, embauche, nouvel arrivant
starts: commence, debute, prend ses fonctions
start: debut, arrivee, prise de poste
leaver: depart, depart de, sortie, offboarding
leaving: quitte, partira, quittera
left: est parti, est partie, a quitte
last day: dernier jour, dernier jour de travail
last: dernier, derniere
license: licence, licences
seat: siege, sieges, place
subscription: abonnement
renew: renouveler, renouvellement
remove: retirer, retire, retiree, retrait, enlever, enleve, supprimer de, sortir de
revoke: revoquer, revoque, revocation
delete: supprimer, supprime, supprimee, suppression, effacer
disable: desactiver, desactive, desactivee, desactivation
enable: activer, active, activation, reactiver, reactivation
create: creer, cree, creee, creation, ouvrir, ouverture, mettre en place
add: ajouter, ajoute, ajout, integrer, inscrire
grant: accorder, donner, attribuer, attribue, attribuee, octroyer
want: voudrais, voudrions, veux, voulons, souhaite, souhaitons, souhaiterais, aimerais
see: voir, cf
need: besoin, besoin de, avoir besoin, necessaire, faut, il faut, il me faut
request: demande, demandes, demander, demandons
change: changer, change, changement, modifier, modification, modifie
update: mettre a jour, mise a jour, actualiser
name: nom, prenom, nom de famille
email: e-mail, email, mail, courriel, adresse mail, adresse e-mail, boite mail
address: adresse
manager: responsable, manager, chef, cheffe, superieur, superieure
department: service, departement
transfer: mutation, mute, transfert
phone: telephone, portable, mobile, smartphone, iphone
new phone: nouveau telephone, nouveau portable, changement de telephone
device: appareil, appareils, terminal
authenticator: authenticator, authentificateur, application d'authentification
authentication: authentification
two-factor: double authentification, authentification a deux facteurs, double facteur
mfa: mfa, multifacteur
code: code, codes
recovery codes: codes de recuperation, codes de secours
recovery: recuperation, recuperer, restaurer, restauration
security: securite
key: cle, cles
app: application, appli, logiciel, outil
group: groupe, groupes, liste de diffusion
member: membre, membres
membership: adhesion
team: equipe, equipes
organization: organisation, organisations
project: projet, projets
role: role, roles
folder: dossier, dossiers, repertoire, lecteur
shared: partage, partagee
invite: inviter, invitation
error: erreur, erreurs
problem: probleme, problemes, souci, soucis, incident
not working: ne fonctionne pas, ne marche pas, ne fonctionne plus, ne marche plus
works: fonctionne, marche
help: aide, aider
urgent: urgent, urgente
today: aujourd'hui
tomorrow: demain
since: depuis
after: apres
several: plusieurs
attempts: tentatives, essais
wrong: mauvais, incorrect, incorrecte, faux
receive: recu, recois, recevoir, reception
printer: imprimante
laptop: portable, ordinateur portable, pc portable
computer: ordinateur, pc, poste
monitor: ecran
badge: badge, carte d'acces
network: reseau, wifi, internet
connection: connexion a internet
page: page, site
contract: contrat
end: fin
until: jusqu'au, jusqu'a
from: a partir du, a partir de
please: svp, s'il vous plait, merci de, pourriez-vous, pouvez-vous
thanks: merci, merci beaucoup, merci d'avance
hello: bonjour, salut, madame, monsieur
regards: cordialement, bien cordialement, bien a vous, salutations
i: je, j
my: mon, ma, mes
me: moi, m
we: nous
our: notre, nos
you: vous, tu
your: votre, vos, ton, ta
the: le, la, les, l
a: un, une
and: et
or: ou
for: pour
with: avec
of: de, du, des, d
to: a, au, aux
in: dans, en
on: sur
is: est
are: sont
has: ai, a, avons, avez, ont
can: peux, peut, pouvons, pouvez, pourriez
not: ne, n, pas
no longer: ne plus
again: encore, nouveau
also: aussi
but: mais
how: comment
what: quoi, que, qu
why: pourquoi
when: quand
that: que, qui, ce, cela, ca, c
must: dois, doit, devons, devez, doivent, devoir
because: parce que, car, puisque
now: maintenant, actuellement, desormais
already: deja
still: toujours, encore
without: sans
other: autre, autres
this: ce, cet, cette, ces, ceci
which: quel, quelle, quels, quelles, lequel
who: qui
some: quelques
all: tout, tous, toute, toutes
more: plus
only: seulement, uniquement
yes: oui
no: non
old: ancien, ancienne, vieux
work: travail, travailler, travaille
use: utiliser, utilise, utilisee, utilisez
get: obtenir, avoir
make: faire, fait
know: sais, savoir
send: envoyer, envoye, envoyee, envoie
write: ecrire, ecrit
buy: acheter, achete
install: installer, installe, installation, reinstaller
upload: televerser
download: telecharger
move: transferer, deplacer
fix: corriger, corrige, repare, reparer, resoudre, regler
wait: attendre, attente
answer: reponse, repondre
question: question, questions
information: informations, info, infos, renseignements
message: message
description: description
reason: motif, raison
summary: resume
expected: attendu
happened: passe
steps: etapes
step: etape
details: details
full name: nom complet
confirmed: confirme, confirmee
following: suivant, suivants, suivante, suivantes
week: semaine
month: mois
day: jour, jours
year: an, ans, annee
time: temps, fois
soon: bientot
"""

_ES = """
password: contrasena, contrasenas, clave, claves, password
password reset: restablecimiento de contrasena, restablecer la contrasena, \
restablecer mi contrasena, reseteo de contrasena
reset: restablecer, restablezcan, restablecimiento, restablecido, resetear, reseteo, \
reiniciar, reinicio, reset
forgot: olvide, olvido, olvidado, olvidada, olvidar
forgot password: olvide mi contrasena, olvide la contrasena
lost: perdi, perdido, perdida, extravie, extraviado
stolen: robaron, robado, robada, hurto
locked: bloqueado, bloqueada, bloqueados, bloqueo, bloquearon, bloqueada por
unlock: desbloquear, desbloqueo, desbloqueen, desbloquee
account: cuenta, cuentas
access: acceso, accesos, acceder, entrar, ingresar
credentials: credenciales
permission: permiso, permisos, derechos, autorizacion, privilegios
admin rights: permisos de administrador, derechos de administrador
user: usuario, usuarios, usuaria
username: nombre de usuario, usuario de red
login: iniciar sesion, inicio de sesion, sesion, acceder, login, loguear, loguearme
cannot: no puedo, no puede, no consigo, imposible
new: nuevo, nueva, nuevos, nuevas
employee: empleado, empleada, empleados, trabajador, trabajadora, colaborador, colaboradora, \
companero, companera
high priority: prioridad alta, alta prioridad, prioridad baja, baja prioridad
new starter: alta, nuevo empleado, nueva empleada, nuevo ingreso, incorporacion, nueva \
incorporacion, alta de usuario, alta de empleado
create: dar de alta, crear, creen, creacion, cree, abrir, configurar
starts: empieza, comienza, se incorpora, incorpora
start: inicio, comienzo, fecha de inicio
leaver: baja, baja de usuario, baja de empleado, salida, offboarding
disable: dar de baja, darse de baja, darme de baja, darle de baja, darlo de baja, darla de baja, \
den de baja, dame de baja, desactivar, desactivacion, desactiven, \
inhabilitar, deshabilitar
leaving: deja, dejara, se va, abandona, renuncia
left: se ha ido, se fue, ya no trabaja, dejo la empresa
last day: ultimo dia, ultimo dia de trabajo
last: ultimo, ultima
license: licencia, licencias
position: puesto, puestos
subscription: suscripcion
renew: renovar, renovacion
remove: quitar, quiten, quite, retirar, retiren, sacar, eliminar de
revoke: revocar, revoquen, revocacion
delete: eliminar, eliminen, elimine, eliminacion, borrar, borren
enable: activar, activacion, reactivar, habilitar
add: anadir, anadan, agregar, agreguen, incluir, sumar
grant: conceder, otorgar, asignar, asignen, asignado, asignada, dar
want: quiero, queremos, quisiera, quisieramos, me gustaria, nos gustaria
see: ver, vease
need: necesito, necesitamos, necesita, necesitan, hace falta, requiero, requerimos
request: solicitud, solicitar, solicito, solicitamos, peticion, pedido, pido
change: cambiar, cambio, modificar, modificacion
update: actualizar, actualizacion
name: nombre, apellido, apellidos
email: correo, correo electronico, e-mail, email, mail, buzon
address: direccion
manager: jefe, jefa, responsable, supervisor, supervisora, gerente, manager
department: departamento, area
transfer: traslado, trasladado
phone: movil, telefono, celular, smartphone, iphone
new phone: nuevo movil, nuevo telefono, cambio de movil, cambie de movil, cambie de telefono
device: dispositivo, dispositivos, aparato
authenticator: authenticator, autenticador, app de autenticacion, aplicacion de autenticacion
authentication: autenticacion
two-factor: doble factor, dos factores, verificacion en dos pasos, segundo factor
mfa: mfa, multifactor
code: codigo, codigos
recovery codes: codigos de recuperacion, codigos de respaldo
recovery: recuperacion, recuperar
security: seguridad
key: llave
app: aplicacion, app, programa, herramienta
group: grupo, grupos, lista de distribucion
member: miembro, miembros
membership: membresia
team: equipo, equipos
organization: organizacion, organizaciones
project: proyecto, proyectos
role: rol, roles
folder: carpeta, carpetas, unidad
shared: compartida, compartido
invite: invitar, invitacion
error: error, errores, fallo
problem: problema, problemas, incidencia, incidencias
not working: no funciona, no va
works: funciona
help: ayuda, ayudar
urgent: urgente
today: hoy
tomorrow: manana
since: desde
after: despues
several: varios, varias
attempts: intentos
wrong: incorrecta, incorrecto, mal, erronea
receive: recibo, recibido, recibir, llega
printer: impresora
laptop: portatil
computer: ordenador, computadora, equipo
monitor: pantalla, monitor
badge: tarjeta de acceso, credencial
network: red, wifi, internet
connection: conexion
page: pagina, web, sitio
contract: contrato
end: fin
until: hasta
from: a partir del, a partir de
please: por favor, porfa, favor de
thanks: gracias, muchas gracias
hello: hola, buenos dias, buenas tardes, buenas, estimado, estimada, estimados
regards: saludos, un saludo, atentamente, cordialmente, saludos cordiales
i: yo
my: mi, mis
me: me
we: nosotros
our: nuestro, nuestra, nuestros, nuestras
you: usted, ustedes, tu, vosotros
your: su, sus, tu, tus, vuestro
the: el, la, los, las, lo
a: un, una, unos, unas
and: y, e
or: o, u
for: para, por
with: con
of: de, del
to: a, al
in: en
is: es, esta
are: son, estan
has: ha, he, han, hemos, tengo, tiene
can: puedo, puede, podemos, pueden, podrian, podria
not: no
no longer: ya no
again: otra vez, de nuevo, nuevamente
also: tambien
but: pero
how: como
what: que
why: por que
when: cuando
that: que, ese, esa, esto, eso
must: debo, debe, debemos, deben, tengo que, tenemos que, hay que
because: porque, ya que, pues
now: ahora, actualmente
already: ya
still: todavia, aun, sigo, sigue
without: sin
other: otro, otra, otros, otras
this: este, esta, estos, estas
which: cual, cuales
who: quien
some: algunos, algunas, unos
all: todo, todos, toda, todas
more: mas
only: solo, solamente
yes: si
old: antiguo, antigua, viejo, vieja
work: trabajo, trabajar, trabaja
use: usar, uso, utilizar, utiliza, utilizo
get: conseguir, obtener
make: hacer, hace, hice
know: se, saber, sabe
send: enviar, envie, enviado, enviada, mandar
write: escribir, escribi, escrito
buy: comprar
install: instalar, instalacion, reinstalar
upload: subir
download: descargar
move: pasar, traspasar, mover
fix: arreglar, arreglo, corregir, corrigio, resolver, solucionar
wait: esperar
answer: respuesta, responder
question: pregunta, preguntas, consulta
information: informacion, info, datos
message: mensaje
description: descripcion
reason: motivo, razon
summary: resumen
expected: esperaba, esperado
happened: paso, ocurrio
steps: pasos
step: paso
details: detalles
full name: nombre completo
confirmed: confirmado, confirmada
following: siguiente, siguientes
week: semana
month: mes, meses
day: dia, dias
year: ano, anos
time: tiempo, vez
soon: pronto
"""


_APART = re.compile(r"['\u2019-]")
"""What separates the words of a form as the text's words are cut (``d'accès``, ``e-mail``)."""


def _table(lines: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines.replace("\\\n", "").strip().splitlines():
        english, _, forms = line.partition(":")
        for form in forms.split(","):
            words = _APART.sub(" ", form).split()
            if words:
                out.setdefault(" ".join(words), english.strip())
    return out


@dataclass(frozen=True)
class _Glossary:
    words: dict[str, str]
    """Folded form (a word or a phrase, its words space-separated) -> English."""
    longest: int
    """The most words in one form."""


def _glossary(lines: str) -> _Glossary:
    words = _table(lines)
    return _Glossary(words, max(len(form.split()) for form in words))


GLOSSARIES: dict[str, _Glossary] = {
    "de": _glossary(_DE),
    "fr": _glossary(_FR),
    "es": _glossary(_ES),
}
"""The languages read in English words, each with its glossary."""
RENDERED_LANGUAGES = frozenset(GLOSSARIES)

_PIECE = re.compile(r"https?://\S+|[^\s@]+@[^\s@]+\.\w+|[^\W\d_]+", re.UNICODE)
_ELISION = re.compile(r"(?<=[^\W\d_])['\u2019](?=[^\W\d_])")
"""The apostrophe of an elision (``l'accès``, ``d'utilisateur``): a word break."""
_SOFT = re.compile(r"[ \t'\u2019-]*")
"""What may stand between the words of a phrase: spaces, an apostrophe, a hyphen (no line
break, no punctuation)."""
_COMPOUND_MIN = 8
_COMPOUND_MAX = 40
"""Longer "words" (a hash, a run of letters) are not split: the search stays small."""
_PART_MIN = 3
_LINKS = ("", "s", "es", "n", "en")
"""German linking letters between the parts of a compound ("Konto-s-perrung")."""


def fold(word: str) -> str:
    """Lower case, accents dropped, ß as ss: how the glossary writes its forms."""
    text = unicodedata.normalize("NFKD", word.lower().replace("ß", "ss"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _lookup_form(piece: str) -> str:
    """How a piece of text is looked up: folded, or "" for a link, an e-mail address or a
    capital initial ("David.A", "Andre.E": not the French "à" or the Spanish "e")."""
    if not piece.isalpha() or (len(piece) == 1 and piece.isupper()):
        return ""
    return fold(piece)


def _inflected(word: str, table: dict[str, str], language: str) -> str | None:
    """A plural or inflected form of a glossary word ("comptes", "Konten", "bloqueadas")."""
    endings = ("en", "n", "e", "s", "es", "er") if language == "de" else ("s", "es", "x")
    for ending in endings:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= _PART_MIN and stem in table:
            return table[stem]
    return None


def _compound(word: str, table: dict[str, str]) -> list[str] | None:
    """A German compound as the English of its known parts, modifier first
    ("passwortzurucksetzung" -> password, reset), or None when it does not split so."""
    if not _COMPOUND_MIN <= len(word) <= _COMPOUND_MAX:
        return None
    for cut in range(len(word) - _PART_MIN, _PART_MIN - 1, -1):
        head, tail = word[:cut], word[cut:]
        if head not in table:
            continue
        rest = _part(tail, table)
        if rest is not None:
            return [table[head], *rest]
    return None


def _part(word: str, table: dict[str, str]) -> list[str] | None:
    for link in _LINKS:
        if not word.startswith(link):
            continue
        rest = word[len(link) :]
        if len(rest) < _PART_MIN:
            continue
        if rest in table:
            return [table[rest]]
        inflected = _inflected(rest, table, "de")
        if inflected is not None:
            return [inflected]
        split = _compound(rest, table)
        if split is not None:
            return split
    return None


def _word(word: str, glossary: _Glossary, language: str) -> str | None:
    """The English of one folded word, or None to keep the word as written."""
    table = glossary.words
    if word in table:
        return table[word]
    inflected = _inflected(word, table, language)
    if inflected is not None:
        return inflected
    if language == "de":
        parts = _compound(word, table)
        if parts is not None:
            return " ".join(parts)
    return None


def english_rendering(text: str, language: str | None) -> str:
    """
    ``text`` in English words when ``language`` is one the glossary reads (de, fr, es), else
    ``text`` unchanged.

    Phrases are matched first (longest first, within a line), then single words, inflections and
    (German) compounds; links, e-mail addresses, line breaks and punctuation stay where they
    are, and so does every word the glossary does not know.
    """
    glossary = GLOSSARIES.get(language or "")
    if glossary is None:
        return text
    text = _ELISION.sub(" ", text)
    pieces = list(_PIECE.finditer(text))
    folded = [_lookup_form(p.group()) for p in pieces]
    out: list[str] = []
    at = 0
    i = 0
    while i < len(pieces):
        out.append(text[at : pieces[i].start()])
        taken = _phrase(text, pieces, folded, i, glossary)
        if taken:
            english, i = taken
            out.append(english)
            at = pieces[i - 1].end()
            continue
        piece = pieces[i]
        word = _word(folded[i], glossary, language or "") if folded[i] else None
        out.append(piece.group() if word is None else word)
        at = piece.end()
        i += 1
    out.append(text[at:])
    return "".join(out)


def _phrase(
    text: str, pieces: list[re.Match[str]], folded: list[str], i: int, glossary: _Glossary
) -> tuple[str, int] | None:
    """The longest glossary phrase starting at piece ``i``: its English and the next piece."""
    for n in range(min(glossary.longest, len(pieces) - i), 1, -1):
        words = folded[i : i + n]
        if not all(words):
            continue
        joined = all(
            _SOFT.fullmatch(text[pieces[j].end() : pieces[j + 1].start()])
            for j in range(i, i + n - 1)
        )
        if joined and " ".join(words) in glossary.words:
            return glossary.words[" ".join(words)], i + n
    return None
