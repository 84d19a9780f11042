"""A real SMTP server for the SMTP connector's tests: Debian's aiosmtpd (python3-aiosmtpd, installed by the test build).

Listens on 127.0.0.1, port 0 (the OS picks; printed as "listening on PORT"), requires AUTH LOGIN/PLAIN with
tester / smtp-pass-S3CR3T, offers STARTTLS when given a certificate, and writes each accepted message to
OUTDIR/<n>.eml before it answers, so a test that has the client's answer also finds the file.
Recipients steer faults: reject@ -> 550 at RCPT; full@ -> 452 at DATA end; slow@ -> holds the DATA reply for
an hour (the message is stored: the outcome is unknown to the client); drop@ -> stores it and closes the connection
without a reply.
Usage: server.py OUTDIR [CERT.pem KEY.pem]
"""
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

OUT = sys.argv[1]
USER, PASSWORD = b"tester", b"smtp-pass-S3CR3T"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself


class Handler:
    count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpt = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        if rcpt.startswith("full@"):
            return "452 4.3.1 Insufficient system storage"
        Handler.count += 1
        path = os.path.join(OUT, f"{Handler.count}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n".encode())
            f.write(envelope.original_content)
        os.replace(path + ".tmp", path)
        if rcpt.startswith("slow@"):
            await asyncio.sleep(3600)
        if rcpt.startswith("drop@"):
            server.transport.close()
            return "250 never sent"
        return "250 2.0.0 Ok: queued"


async def main():
    tls = None
    if len(sys.argv) > 3:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(sys.argv[2], sys.argv[3])
    loop = asyncio.get_running_loop()
    handler = Handler()
    factory = lambda: SMTP(handler, hostname="smtp.test", tls_context=tls, require_starttls=tls is not None,
                           authenticator=authenticator, auth_required=True, auth_require_tls=tls is not None)
    server = await loop.create_server(factory, "127.0.0.1", 0)
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


asyncio.run(main())
