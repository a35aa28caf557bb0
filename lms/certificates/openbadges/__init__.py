"""Certificates as Open Badges 3.0 credentials (1EdTech, on W3C Verifiable Credentials).

- ``keys``: the issuer's Ed25519 signing keys under ``instance/keys``, created and rotated
  by ``flask --app wsgi lms keys ...``; every public key stays published.
- ``credential``: the ``OpenBadgeCredential`` built from a certificate's frozen snapshot.
- ``status``: each certificate's entry in a W3C Bitstring Status List of revocations.
- ``signing``: the credential and the status list signed as VC-JWT (EdDSA), and checked.
- ``badge``: the badge image, a PNG with the signed credential baked in.

A credential is signed when it is asked for, from what the certificate states; Ed25519
signatures are deterministic, so the same certificate gives the same token until the key
is rotated.
"""
