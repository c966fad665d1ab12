"""
The French glossary of the English rendering (``intake.classifier.gloss``).

Each line: the English, then the folded French forms (lower case, accents dropped, ß as ss),
comma-separated; a form of several words is a phrase (read before its words). A line ending in a
backslash goes on on the next.
"""

from __future__ import annotations

GLOSSARY = """
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
outage: panne, pannes, coupure, coupures, interruption de service, panne generale
is down: est en panne, est tombe, est hors service, sont en panne, sont tombes
down: en panne, hors service
unreachable: inaccessible, inaccessibles, injoignable
unavailable: indisponible, indisponibles
nobody can: personne ne peut, personne n arrive, personne ne parvient
everyone: tout le monde
all users: tous les utilisateurs, tous les collaborateurs, tous les collegues
several users: plusieurs utilisateurs, plusieurs collaborateurs, plusieurs collegues
not just me: pas que moi, pas seulement moi, pas uniquement moi
whole team: toute l equipe, toute notre equipe
whole office: tout le bureau
whole site: tout le site
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
