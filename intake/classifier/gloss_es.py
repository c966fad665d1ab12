"""
The Spanish glossary of the English rendering (``intake.classifier.gloss``).

Each line: the English, then the folded Spanish forms (lower case, accents dropped, ß as ss),
comma-separated; a form of several words is a phrase (read before its words). A line ending in a
backslash goes on on the next.
"""

from __future__ import annotations

GLOSSARY = """
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
outage: caida del servicio, interrupcion del servicio, apagon
is down: esta caido, esta caida, estan caidos, se cayo
down: caido, caida
unavailable: no disponible, no esta disponible
unreachable: inaccesible
nobody: nadie
nobody can: nadie puede
everyone: todo el mundo
all users: todos los usuarios, todos los companeros, todos los empleados
several users: varios usuarios, varios companeros
not just me: no solo a mi, no soy solo yo, no solo yo
whole team: todo el equipo
whole office: toda la oficina
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
