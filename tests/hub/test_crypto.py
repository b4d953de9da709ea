"""Envelope encryption, SM4 against RFC 8998, blind indexes and key parsing."""

import base64

import pytest

from hub import crypto

AES_KEY = base64.b64encode(bytes(range(32))).decode()
OLD_AES_KEY = base64.b64encode(bytes(range(100, 132))).decode()
SM4_KEY = base64.b64encode(bytes(range(16))).decode()


def test_sm4_gcm_matches_the_rfc_8998_test_vector():
    # RFC 8998, appendix A.1 (SM4-GCM).
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    expected_ciphertext = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    )
    expected_tag = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")
    sealed = crypto.gcm_encrypt(crypto.SM4_GCM, key, nonce, plaintext, aad)
    assert sealed == expected_ciphertext + expected_tag
    assert crypto.gcm_decrypt(crypto.SM4_GCM, key, nonce, sealed, aad) == plaintext


@pytest.mark.parametrize("cipher, key", [(crypto.AES_256_GCM, AES_KEY), (crypto.SM4_GCM, SM4_KEY)])
def test_values_round_trip_and_carry_their_key_id(cipher, key):
    keyring = crypto.parse_keyring(f"k9:{key}", cipher)
    token = crypto.encrypt("张明 410105198001011234", context="t.f", keyring=keyring)
    code = "A" if cipher == crypto.AES_256_GCM else "S"
    assert token.startswith(f"enc1${code}$k9$")
    assert "张明" not in token
    assert crypto.decrypt(token, context="t.f", keyring=keyring) == "张明 410105198001011234"


def test_the_same_value_encrypts_differently_each_time():
    keyring = crypto.parse_keyring(f"k1:{AES_KEY}", crypto.AES_256_GCM)
    assert crypto.encrypt("x", context="c", keyring=keyring) != crypto.encrypt("x", context="c", keyring=keyring)


def test_values_under_an_older_key_still_decrypt_after_a_new_key_is_added():
    old = crypto.parse_keyring(f"old:{OLD_AES_KEY}", crypto.AES_256_GCM)
    token = crypto.encrypt("secret", context="c", keyring=old)
    both = crypto.parse_keyring(f"new:{AES_KEY},old:{OLD_AES_KEY}", crypto.AES_256_GCM)
    assert both.active_kid == "new"
    assert crypto.decrypt(token, context="c", keyring=both) == "secret"
    assert crypto.needs_rotation(token, both)


def test_a_keyring_may_move_from_aes_to_sm4():
    aes = crypto.parse_keyring(f"a1:{AES_KEY}", crypto.AES_256_GCM)
    token = crypto.encrypt("secret", context="c", keyring=aes)
    mixed = crypto.parse_keyring(f"s1:{SM4_KEY},a1:{AES_KEY}", crypto.SM4_GCM)
    assert crypto.decrypt(token, context="c", keyring=mixed) == "secret"
    assert crypto.encrypt("secret", context="c", keyring=mixed).startswith("enc1$S$s1$")


def test_a_ciphertext_moved_to_another_field_does_not_decrypt():
    keyring = crypto.parse_keyring(f"k1:{AES_KEY}", crypto.AES_256_GCM)
    token = crypto.encrypt("secret", context="model.phone", keyring=keyring)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="model.id_number", keyring=keyring)


def test_an_altered_ciphertext_is_refused():
    keyring = crypto.parse_keyring(f"k1:{AES_KEY}", crypto.AES_256_GCM)
    token = crypto.encrypt("secret", context="c", keyring=keyring)
    head, payload = token.rsplit("$", 1)
    altered = head + "$" + ("A" if payload[0] != "A" else "B") + payload[1:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(altered, context="c", keyring=keyring)


def test_an_unknown_key_id_is_named():
    keyring = crypto.parse_keyring(f"k1:{AES_KEY}", crypto.AES_256_GCM)
    token = crypto.encrypt("secret", context="c", keyring=keyring)
    other = crypto.parse_keyring(f"k2:{AES_KEY}", crypto.AES_256_GCM)
    with pytest.raises(crypto.DecryptionError, match="k1"):
        crypto.decrypt(token, context="c", keyring=other)


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "at least one key"),
        ("nokey", "kid:base64key"),
        ("k1:%%%", "not valid base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "32 bytes"),
        (f"k1:{AES_KEY},k1:{AES_KEY}", "appears twice"),
    ],
)
def test_malformed_keyrings_are_refused_with_a_reason(value, message):
    with pytest.raises(ValueError, match=message):
        crypto.parse_keyring(value, crypto.AES_256_GCM)


def test_the_active_key_must_fit_the_cipher():
    with pytest.raises(ValueError, match="16 bytes for sm4-gcm"):
        crypto.parse_keyring(f"k1:{AES_KEY}", crypto.SM4_GCM)


def test_blind_indexes_are_keyed_and_separate_purposes():
    key = bytes(32)
    first = crypto.blind_index("410105198001011234", purpose="id", key=key, cipher=crypto.AES_256_GCM)
    assert first == crypto.blind_index("410105198001011234", purpose="id", key=key, cipher=crypto.AES_256_GCM)
    assert first != crypto.blind_index("410105198001011234", purpose="phone", key=key, cipher=crypto.AES_256_GCM)
    assert first != crypto.blind_index(
        "410105198001011234", purpose="id", key=bytes([1]) * 32, cipher=crypto.AES_256_GCM
    )


def test_blind_indexes_use_hmac_sm3_in_sm4_mode():
    from cryptography.hazmat.primitives import hashes, hmac

    key = bytes(32)
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(b"id\x00value")
    assert crypto.blind_index("value", purpose="id", key=key, cipher=crypto.SM4_GCM) == mac.finalize().hex()
