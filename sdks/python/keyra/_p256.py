"""ECDSA P-256 (secp256r1) signature verification in pure Python, for ES256 proofs.

Verification only (no secrets are handled here), so constant time does not matter. Points use
Jacobian coordinates to avoid a modular inverse per step.
"""

from typing import Optional, Tuple

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5

Jacobian = Tuple[int, int, int]  # (X, Y, Z); Z == 0 is the point at infinity
INFINITY: Jacobian = (1, 1, 0)


def is_on_curve(x: int, y: int) -> bool:
    if not (0 <= x < P and 0 <= y < P):
        return False
    return (y * y - (x * x * x + A * x + B)) % P == 0


def _double(p: Jacobian) -> Jacobian:
    x1, y1, z1 = p
    if z1 == 0 or y1 == 0:
        return INFINITY
    # a = -3: M = 3 (X - Z^2)(X + Z^2)
    zz = z1 * z1 % P
    m = 3 * (x1 - zz) * (x1 + zz) % P
    yy = y1 * y1 % P
    s = 4 * x1 * yy % P
    x3 = (m * m - 2 * s) % P
    y3 = (m * (s - x3) - 8 * yy * yy) % P
    z3 = 2 * y1 * z1 % P
    return (x3, y3, z3)


def _add(p: Jacobian, q: Jacobian) -> Jacobian:
    x1, y1, z1 = p
    x2, y2, z2 = q
    if z1 == 0:
        return q
    if z2 == 0:
        return p
    z1z1 = z1 * z1 % P
    z2z2 = z2 * z2 % P
    u1 = x1 * z2z2 % P
    u2 = x2 * z1z1 % P
    s1 = y1 * z2 * z2z2 % P
    s2 = y2 * z1 * z1z1 % P
    if u1 == u2:
        if s1 != s2:
            return INFINITY
        return _double(p)
    h = (u2 - u1) % P
    r = (s2 - s1) % P
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - s1 * hhh) % P
    z3 = h * z1 * z2 % P
    return (x3, y3, z3)


def _to_affine(p: Jacobian) -> Optional[Tuple[int, int]]:
    x, y, z = p
    if z == 0:
        return None
    zi = pow(z, P - 2, P)
    zi2 = zi * zi % P
    return (x * zi2 % P, y * zi2 * zi % P)


def _mul_add(u1: int, p1: Jacobian, u2: int, p2: Jacobian) -> Jacobian:
    """u1*p1 + u2*p2 (Shamir's trick)."""
    both = _add(p1, p2)
    acc = INFINITY
    for i in range(max(u1.bit_length(), u2.bit_length()) - 1, -1, -1):
        acc = _double(acc)
        b1 = (u1 >> i) & 1
        b2 = (u2 >> i) & 1
        if b1 and b2:
            acc = _add(acc, both)
        elif b1:
            acc = _add(acc, p1)
        elif b2:
            acc = _add(acc, p2)
    return acc


def verify(public_x: int, public_y: int, digest: bytes, r: int, s: int) -> bool:
    """ECDSA verification of ``(r, s)`` over a 32-byte SHA-256 ``digest`` with key ``(x, y)``."""
    if not is_on_curve(public_x, public_y):
        return False
    if not (1 <= r < N and 1 <= s < N):
        return False
    e = int.from_bytes(digest[:32], "big")
    w = pow(s, N - 2, N)
    u1 = e * w % N
    u2 = r * w % N
    point = _to_affine(_mul_add(u1, (GX, GY, 1), u2, (public_x, public_y, 1)))
    if point is None:
        return False
    return point[0] % N == r
