"""
The German glossary of the English rendering (``intake.classifier.gloss``).

Each line: the English, then the folded German forms (lower case, accents dropped, ß as ss),
comma-separated; a form of several words is a phrase (read before its words). A line ending in a
backslash goes on on the next.
"""

from __future__ import annotations

GLOSSARY = """
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
outage: ausfall, ausfalle, systemausfall, serverausfall, netzausfall, totalausfall, \
grossstorung, storungsmeldung
is down: ist ausgefallen, ist down, sind ausgefallen, sind down, ausgefallen
unreachable: nicht erreichbar, unerreichbar
unavailable: nicht verfugbar, nicht verfugbar
nobody: niemand, keiner, keine von uns, keiner von uns
nobody can: niemand kann, keiner kann, kann niemand, kann keiner, kann sich niemand, \
kann sich keiner, konnen wir alle nicht
for everyone: bei allen, fur alle, fur jeden, bei jedem
everyone: jeder, jede, alle kollegen
all users: alle benutzer, alle nutzer, alle anwender, alle mitarbeiter, alle mitarbeitenden
several users: mehrere benutzer, mehrere nutzer, mehrere kollegen, mehrere mitarbeiter
not just me: nicht nur bei mir, nicht nur ich, nicht nur mich
whole: ganze, ganzen, gesamte, gesamten
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
