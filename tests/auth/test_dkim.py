"""DKIM public keys and key records: RFC 6376 §3.6.1, RFC 8301, RFC 8463."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from sendlanes.auth.dkim import (
    DkimKeyError,
    DkimKeyRecord,
    DkimPublicKey,
    DkimRecordError,
    DkimStatus,
    HashAlgorithm,
    KeyAlgorithm,
    KeyFlag,
    ServiceType,
    Strength,
    analyze_dkim_record,
    dkim_strength,
    format_dkim_record,
    parse_dkim_record,
    parse_public_key,
    verifier_refusals,
)

SPKI = serialization.PublicFormat.SubjectPublicKeyInfo
PKCS1 = serialization.PublicFormat.PKCS1


def rsa_p(bits: int, key_format: serialization.PublicFormat = SPKI) -> str:
    """A ``p=`` value holding an RSA public key with a *bits*-bit modulus.

    Only the public half matters here, so the modulus is built directly (any odd number of
    the right size loads), which is instant and allows sizes below what key generation
    permits.
    """
    key = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0x10001).public_key()
    return base64.b64encode(key.public_bytes(serialization.Encoding.DER, key_format)).decode()


def ed25519_p() -> str:
    raw = ed25519.Ed25519PrivateKey.generate().public_key()
    return base64.b64encode(raw.public_bytes(serialization.Encoding.Raw, SPKI.Raw)).decode()


RSA_2048 = rsa_p(2048)
ED25519 = ed25519_p()


# -- parse_public_key -------------------------------------------------------------------


@pytest.mark.parametrize("bits", [512, 1024, 2048, 4096])
def test_rsa_subject_public_key_info_gives_its_modulus_size(bits: int) -> None:
    assert parse_public_key(rsa_p(bits)) == DkimPublicKey(KeyAlgorithm.RSA, bits)


def test_pkcs1_rsa_public_key_is_accepted_like_dkimpy_does() -> None:
    assert parse_public_key(rsa_p(2048, PKCS1)) == DkimPublicKey(KeyAlgorithm.RSA, 2048)


def test_raw_32_octet_key_is_detected_as_ed25519() -> None:
    assert parse_public_key(ED25519) == DkimPublicKey(KeyAlgorithm.ED25519, 256)


def test_whitespace_inside_the_key_is_ignored() -> None:
    folded = " ".join(RSA_2048[i : i + 60] for i in range(0, len(RSA_2048), 60))
    assert parse_public_key(f"\t{folded}\r\n").bits == 2048


def test_key_that_is_not_base64_names_the_bad_characters() -> None:
    with pytest.raises(DkimKeyError, match=r"not base64.*'!'"):
        parse_public_key("MIIB!IjAN")


def test_padding_inside_the_key_is_not_base64() -> None:
    with pytest.raises(DkimKeyError, match="padding"):
        parse_public_key("QUJD=QUJD")


def test_base64_of_the_wrong_length_is_not_base64() -> None:
    with pytest.raises(DkimKeyError, match="not a multiple of 4"):
        parse_public_key("QUJDRA=")


def test_empty_key_is_reported_as_revoked_not_as_a_key() -> None:
    with pytest.raises(DkimKeyError, match="revoked"):
        parse_public_key("  ")


def test_base64_that_is_not_der_is_not_a_key() -> None:
    with pytest.raises(DkimKeyError, match="not an RSA public key"):
        parse_public_key(base64.b64encode(b"hello, this is not a key at all").decode())


def test_ed25519_key_of_the_wrong_length_names_the_length() -> None:
    with pytest.raises(DkimKeyError, match=r"is 33 octets.*RFC 8463"):
        parse_public_key(base64.b64encode(bytes(33)).decode(), KeyAlgorithm.ED25519)


def test_rsa_key_declared_as_ed25519_is_the_wrong_length() -> None:
    with pytest.raises(DkimKeyError, match="raw 32-octet"):
        parse_public_key(RSA_2048, KeyAlgorithm.ED25519)


def test_raw_ed25519_key_declared_as_rsa_hints_at_the_missing_k_tag() -> None:
    with pytest.raises(DkimKeyError, match="k=ed25519"):
        parse_public_key(ED25519, KeyAlgorithm.RSA)


def test_ed25519_key_wrapped_in_spki_is_refused_per_rfc_8463() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    wrapped = base64.b64encode(key.public_bytes(serialization.Encoding.DER, SPKI)).decode()
    with pytest.raises(DkimKeyError, match=r"RFC 8463 §4.2"):
        parse_public_key(wrapped)


# -- dkim_strength ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "strength", "text"),
    [
        (DkimPublicKey(KeyAlgorithm.RSA, 512), Strength.FAIL, "RFC 8301"),
        (DkimPublicKey(KeyAlgorithm.RSA, 1023), Strength.FAIL, "under 1024"),
        (DkimPublicKey(KeyAlgorithm.RSA, 1024), Strength.WARN, "RFC 8301: signers SHOULD use 2048"),
        (DkimPublicKey(KeyAlgorithm.RSA, 2047), Strength.WARN, "SHOULD use 2048"),
        (DkimPublicKey(KeyAlgorithm.RSA, 2048), Strength.PASS, "2048 bits"),
        (DkimPublicKey(KeyAlgorithm.ED25519, 256), Strength.PASS, "RFC 8463"),
    ],
)
def test_strength_follows_rfc_8301_and_8463(
    key: DkimPublicKey, strength: Strength, text: str
) -> None:
    verdict, reason = dkim_strength(key)
    assert verdict is strength
    assert text in reason


# -- key records ------------------------------------------------------------------------


def test_minimal_record_defaults_to_rsa_and_every_service() -> None:
    record = parse_dkim_record(f"p={RSA_2048}")
    assert record == DkimKeyRecord(
        algorithm=KeyAlgorithm.RSA,
        key_data=RSA_2048,
        key=DkimPublicKey(KeyAlgorithm.RSA, 2048),
    )
    assert record.usable_for_email and not record.testing and not record.revoked


def test_every_tag_is_parsed_into_typed_fields() -> None:
    text = f"v=DKIM1; k=ed25519; h=sha256; s=email:*; t=y:s; n=rotated 2026; p={ED25519}"
    record = parse_dkim_record(text)
    assert record.version == "DKIM1"
    assert record.algorithm is KeyAlgorithm.ED25519
    assert record.hash_algorithms == (HashAlgorithm.SHA256,)
    assert record.service_types == (ServiceType.EMAIL, ServiceType.ANY)
    assert record.flags == (KeyFlag.TESTING, KeyFlag.STRICT)
    assert record.notes == "rotated 2026"


def test_version_must_be_the_first_tag() -> None:
    with pytest.raises(DkimRecordError, match="first tag"):
        parse_dkim_record(f"k=rsa; v=DKIM1; p={RSA_2048}")


def test_version_other_than_dkim1_is_invalid() -> None:
    with pytest.raises(DkimRecordError, match="not DKIM1"):
        parse_dkim_record(f"v=DKIM2; p={RSA_2048}")


def test_version_value_is_case_sensitive() -> None:
    with pytest.raises(DkimRecordError, match="not DKIM1"):
        parse_dkim_record(f"v=dkim1; p={RSA_2048}")


def test_unknown_key_type_is_invalid() -> None:
    with pytest.raises(DkimRecordError, match=r"k=dsa is not a DKIM key type"):
        parse_dkim_record(f"k=dsa; p={RSA_2048}")


def test_key_that_does_not_match_k_is_invalid() -> None:
    with pytest.raises(DkimRecordError, match="octets"):
        parse_dkim_record(f"v=DKIM1; k=ed25519; p={RSA_2048}")


def test_missing_p_tag_is_invalid() -> None:
    with pytest.raises(DkimRecordError, match="p= is missing"):
        parse_dkim_record("v=DKIM1; k=rsa")


def test_duplicate_tag_invalidates_the_record() -> None:
    with pytest.raises(DkimRecordError, match=r"k= appears twice.*RFC 6376 §3.2"):
        parse_dkim_record(f"k=rsa; k=rsa; p={RSA_2048}")


def test_tag_names_are_case_sensitive_so_upper_case_k_is_an_unknown_tag() -> None:
    analysis = analyze_dkim_record(f"K=ed25519; p={RSA_2048}")
    assert analysis.status is DkimStatus.VALID
    assert analysis.record is not None and analysis.record.algorithm is KeyAlgorithm.RSA
    assert any("unknown tag K=" in note for note in analysis.notes)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(DkimRecordError) as raised:
        parse_dkim_record("v=DKIM2; k=dsa; h=sha-1!; x")
    assert len(raised.value.problems) == 1  # a malformed tag-list stops further reading
    with pytest.raises(DkimRecordError) as raised:
        parse_dkim_record("v=DKIM2; k=dsa")
    assert len(raised.value.problems) == 3  # version, key type, missing p=


def test_empty_p_is_revoked() -> None:
    analysis = analyze_dkim_record("v=DKIM1; k=rsa; p=")
    assert analysis.status is DkimStatus.REVOKED
    assert analysis.record is not None and analysis.record.revoked


def test_rsa_key_under_1024_bits_is_weak() -> None:
    analysis = analyze_dkim_record(f"v=DKIM1; p={rsa_p(512)}")
    assert analysis.status is DkimStatus.WEAK
    assert any("RFC 8301" in reason for reason in analysis.reasons)


def test_1024_bit_rsa_key_is_valid_with_an_rfc_8301_warning() -> None:
    analysis = analyze_dkim_record(f"v=DKIM1; p={rsa_p(1024)}")
    assert analysis.status is DkimStatus.VALID
    assert analysis.warnings == (
        "RSA key of 1024 bits: RFC 8301: signers SHOULD use 2048 bits or more",
    )


def test_2048_bit_rsa_and_ed25519_keys_are_valid_without_warnings() -> None:
    for text in (f"v=DKIM1; k=rsa; p={RSA_2048}", f"v=DKIM1; k=ed25519; p={ED25519}"):
        analysis = analyze_dkim_record(text)
        assert (analysis.status, analysis.reasons) == (DkimStatus.VALID, ())


def test_sha1_only_hash_list_warns_per_rfc_8301() -> None:
    analysis = analyze_dkim_record(f"v=DKIM1; h=sha1; p={RSA_2048}")
    assert analysis.status is DkimStatus.VALID
    assert any("RFC 8301" in warning and "sha1" in warning for warning in analysis.warnings)


def test_a_key_for_sha1_only_is_refused_by_every_verifier() -> None:
    record = parse_dkim_record(f"v=DKIM1; h=sha1; p={RSA_2048}")
    (reason,) = verifier_refusals(record)
    assert "h=sha1" in reason and "RFC 8301 §3.1" in reason


def test_a_key_whose_service_types_exclude_email_is_refused() -> None:
    record = parse_dkim_record(f"v=DKIM1; s=tlsrpt; p={RSA_2048}")
    (reason,) = verifier_refusals(record)
    assert "s=tlsrpt" in reason and "RFC 6376 §3.6.1" in reason


def test_keys_verifiers_accept_have_no_refusals() -> None:
    for text in (
        f"v=DKIM1; p={RSA_2048}",
        f"v=DKIM1; h=sha1:sha256; s=email:tlsrpt; p={RSA_2048}",
        f"v=DKIM1; k=ed25519; s=*; p={ED25519}",
    ):
        assert verifier_refusals(parse_dkim_record(text)) == ()


def test_unknown_hash_algorithm_is_ignored_with_a_note() -> None:
    analysis = analyze_dkim_record(f"v=DKIM1; h=sha256:sha512; p={RSA_2048}")
    assert analysis.record is not None
    assert analysis.record.hash_algorithms == (HashAlgorithm.SHA256,)
    assert analysis.warnings == ()
    assert any("sha512" in note for note in analysis.notes)


def test_service_type_without_email_warns_that_the_key_is_not_for_mail() -> None:
    analysis = analyze_dkim_record(f"v=DKIM1; s=tlsrpt; p={RSA_2048}")
    assert analysis.status is DkimStatus.VALID
    assert analysis.record is not None and not analysis.record.usable_for_email
    assert any("excludes email" in warning for warning in analysis.warnings)


def test_testing_flag_warns() -> None:
    analysis = analyze_dkim_record(f"v=DKIM1; t=y; p={RSA_2048}")
    assert analysis.record is not None and analysis.record.testing
    assert any("t=y" in warning for warning in analysis.warnings)


def test_unknown_flag_is_ignored() -> None:
    analysis = analyze_dkim_record(f"v=DKIM1; t=s:z; p={RSA_2048}")
    assert analysis.record is not None and analysis.record.flags == (KeyFlag.STRICT,)
    assert analysis.warnings == ()


def test_whitespace_around_tags_values_and_inside_the_key_is_allowed() -> None:
    folded = RSA_2048[:100] + " \r\n\t" + RSA_2048[100:]
    record = parse_dkim_record(f" v = DKIM1 ;\tk = rsa ; p = {folded} ; ")
    assert record.key_data == RSA_2048


def test_control_characters_in_a_value_are_invalid() -> None:
    with pytest.raises(DkimRecordError, match=r"U\+0000"):
        parse_dkim_record(f"n=a\x00b; p={RSA_2048}")


def test_legacy_granularity_tag_is_ignored_with_a_note() -> None:
    analysis = analyze_dkim_record(f"v=DKIM1; g=*; p={RSA_2048}")
    assert analysis.status is DkimStatus.VALID
    assert any("g=" in note for note in analysis.notes)


# -- format_dkim_record -----------------------------------------------------------------


def test_format_publishes_version_detected_algorithm_and_compact_key() -> None:
    folded = RSA_2048[:50] + "\n " + RSA_2048[50:]
    assert format_dkim_record(folded) == f"v=DKIM1; k=rsa; p={RSA_2048}"
    assert format_dkim_record(ED25519) == f"v=DKIM1; k=ed25519; p={ED25519}"


def test_format_of_a_parsed_record_round_trips() -> None:
    text = f"v=DKIM1; k=ed25519; p={ED25519}"
    assert format_dkim_record(parse_dkim_record(f"k=ed25519; t=y; p={ED25519}")) == text
    assert parse_dkim_record(text).key == DkimPublicKey(KeyAlgorithm.ED25519, 256)


def test_format_refuses_what_is_not_a_key() -> None:
    with pytest.raises(DkimKeyError):
        format_dkim_record("not a key")
    with pytest.raises(DkimKeyError, match="revoked"):
        format_dkim_record(parse_dkim_record("p="))


# -- robustness -------------------------------------------------------------------------

_RECORDISH = st.lists(
    st.sampled_from(["v", "k", "p", "h", "s", "t", "n", "g", "x", "V", "", " "])
    .flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.sampled_from(["=", " = ", "", "=="]),
            st.one_of(
                st.sampled_from(["DKIM1", "rsa", "ed25519", "sha1:sha256", "y:s", "*", ""]),
                st.sampled_from([RSA_2048, ED25519, rsa_p(512), RSA_2048[:-4]]),
                st.text(max_size=12),
            ),
        )
    )
    .map("".join),
    max_size=6,
).map(";".join)


@given(st.one_of(st.text(), _RECORDISH))
def test_arbitrary_text_never_raises_anything_but_the_record_error(text: str) -> None:
    analysis = analyze_dkim_record(text)
    assert bool(analysis.errors) == (analysis.status in (DkimStatus.INVALID, DkimStatus.WEAK))
    try:
        record = parse_dkim_record(text)
    except DkimRecordError as error:
        assert error.problems
        assert analysis.status is DkimStatus.INVALID
    else:
        assert analysis.record == record


@given(st.text())
def test_arbitrary_key_text_never_raises_anything_but_the_key_error(text: str) -> None:
    for algorithm in (None, KeyAlgorithm.RSA, KeyAlgorithm.ED25519):
        try:
            parse_public_key(text, algorithm)
        except DkimKeyError as error:
            assert str(error)
