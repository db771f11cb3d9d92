#include "server/auth/jwt.h"

#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/auth/base64url.h"
#include "server/config/gateway_config.h"

namespace pubsub::auth {
namespace {

constexpr int64_t kNow = 1'800'000'000;
constexpr std::string_view kSecret = "test-secret-of-reasonable-length-0123456789";

std::string Message(const absl::Status& status) { return std::string(status.message()); }

JwtVerifierOptions Opts(std::string secret, std::string pem = "", int leeway = 30) {
  JwtVerifierOptions options;
  options.hs256_secret = std::move(secret);
  options.rs256_public_key_pem = std::move(pem);
  options.leeway_seconds = leeway;
  return options;
}

// Expects Verify to fail with Unauthenticated and exactly `reason`.
void ExpectRefused(const JwtVerifier& verifier, std::string_view token, std::string_view reason,
                   int64_t now = kNow) {
  auto result = verifier.Verify(token, now);
  ASSERT_FALSE(result.ok()) << "accepted: " << token.substr(0, 200);
  EXPECT_TRUE(absl::IsUnauthenticated(result.status())) << result.status();
  EXPECT_EQ(Message(result.status()), reason) << token.substr(0, 200);
}

std::unique_ptr<JwtVerifier> HsVerifier(int leeway = 30) {
  auto verifier = JwtVerifier::Create(Opts(std::string(kSecret), "", leeway));
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return std::move(*verifier);
}

std::string Hs(std::string_view payload, std::string_view header = R"({"alg":"HS256"})") {
  return SignHs256(kSecret, header, payload);
}

// RSA keys generated once per test binary with OpenSSL's EVP API.
struct KeyPair {
  std::string private_pem;
  std::string public_pem;        // SubjectPublicKeyInfo ("BEGIN PUBLIC KEY")
  std::string public_pkcs1_pem;  // "BEGIN RSA PUBLIC KEY"
};

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

KeyPair GenerateRsa(unsigned bits) {
  EVP_PKEY* key = EVP_RSA_gen(bits);
  EXPECT_NE(key, nullptr);
  KeyPair pair;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  pair.private_pem = BioToString(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  pair.public_pem = BioToString(bio);
  // PKCS#1 through the encoder API (PEM_write_bio_RSAPublicKey is deprecated).
  bio = BIO_new(BIO_s_mem());
  OSSL_ENCODER_CTX* encoder = OSSL_ENCODER_CTX_new_for_pkey(key, OSSL_KEYMGMT_SELECT_PUBLIC_KEY,
                                                            "PEM", "type-specific", nullptr);
  EXPECT_EQ(OSSL_ENCODER_to_bio(encoder, bio), 1);
  OSSL_ENCODER_CTX_free(encoder);
  pair.public_pkcs1_pem = BioToString(bio);
  EVP_PKEY_free(key);
  return pair;
}

const KeyPair& Rsa2048() {
  static const KeyPair pair = GenerateRsa(2048);
  return pair;
}

// Temporary files, removed when the test binary exits.
struct TempFiles {
  std::vector<std::string> paths;
  ~TempFiles() {
    for (const std::string& path : paths) std::remove(path.c_str());
  }
};

std::string TempFile(std::string_view content) {
  static TempFiles files;
  char path[] = "/tmp/pubsub_jwt_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path, std::ios::binary) << content;
  files.paths.push_back(path);
  return path;
}

// ---- Base64url ----

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::mt19937 rng(1);
  for (size_t n = 0; n < 100; ++n) {
    std::string bytes(n, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string text = Base64UrlEncode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
    auto decoded = Base64UrlDecode(text);
    ASSERT_TRUE(decoded.has_value()) << n;
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64UrlTest, KnownValues) {
  EXPECT_EQ(Base64UrlEncode("hi"), "aGk");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8"), std::string("\xfb\xff"));
  EXPECT_EQ(Base64UrlDecode(""), std::string());
}

TEST(Base64UrlTest, StrictDecoding) {
  for (std::string_view bad :
       {"aGk=", "+/8", "a", "aGkx=", "aG k", "aGk\n", "aGl", "aGm", "QQ=", "QR", "a.b"}) {
    EXPECT_FALSE(Base64UrlDecode(bad).has_value()) << bad;
  }
  EXPECT_TRUE(Base64UrlDecode("QQ").has_value());  // "A"
}

// ---- HS256 ----

TEST(JwtTest, MintedHs256TokenVerifies) {
  auto verifier = HsVerifier();
  Identity ann{"ann", {"creator", "reader"}};
  auto identity = verifier->Verify(MintHs256(kSecret, ann, kNow + 60), kNow);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(*identity, ann);
  EXPECT_TRUE(identity->HasRole("creator"));
  EXPECT_FALSE(identity->HasRole("admin"));
}

TEST(JwtTest, RolesAreOptional) {
  auto verifier = HsVerifier();
  auto identity = verifier->Verify(MintHs256(kSecret, {"bob", {}}, kNow + 60), kNow);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->user_id, "bob");
  EXPECT_TRUE(identity->roles.empty());
  identity = verifier->Verify(Hs(R"({"sub":"bob","exp":1800000060,"roles":[]})"), kNow);
  ASSERT_TRUE(identity.ok());
  EXPECT_TRUE(identity->roles.empty());
}

TEST(JwtTest, UnicodeUserIdAndOtherClaimsIgnored) {
  auto verifier = HsVerifier();
  auto identity = verifier->Verify(
      Hs(R"({"sub":"\u00e9lodie","exp":1800000060,"iat":1,"iss":"x","scope":"a b","name":{"x":[1]}})"),
      kNow);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->user_id, "\u00e9lodie");
}

TEST(JwtTest, JwtIoExampleSecretIsTooShort) {
  // The well-known jwt.io example signs with "your-256-bit-secret", 19 bytes:
  // a verifier with such a secret is refused (RFC 7518 A.1 below checks
  // interoperability with a key of proper length).
  auto verifier = JwtVerifier::Create(Opts("your-256-bit-secret", ""));
  ASSERT_FALSE(verifier.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(verifier.status()));
  EXPECT_EQ(Message(verifier.status()),
            "the HS256 secret is 19 bytes; at least 32 are required (RFC 7518 section 3.2)");
}

TEST(JwtTest, Hs256SecretsOfAtLeast32Bytes) {
  EXPECT_TRUE(CheckHs256Secret(std::string(32, 'k')).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(CheckHs256Secret(std::string(31, 'k'))));
  EXPECT_TRUE(JwtVerifier::Create(Opts(std::string(32, 'k'))).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(JwtVerifier::Create(Opts(std::string(31, 'k'))).status()));
  // RS256 alone needs no secret.
  EXPECT_TRUE(JwtVerifier::Create(Opts("", Rsa2048().public_pem)).ok());
}

TEST(JwtTest, Rfc7515AppendixA1SignatureIsRecognised) {
  // RFC 7515 A.1's HS256 example; its key is given as a base64url JWK "k".
  auto key = Base64UrlDecode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key.has_value());
  auto verifier = JwtVerifier::Create(Opts(*key, "", 0));
  ASSERT_TRUE(verifier.ok());
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  // Signature good, exp 1300819380 in the future at that time, no sub:
  ExpectRefused(**verifier, token, "missing or invalid sub", 1300819000);
  ExpectRefused(**verifier, token, "token expired", 1300819380);
}

TEST(JwtTest, ExpiryWithLeeway) {
  auto verifier = HsVerifier(30);
  auto token_expiring_at = [](int64_t exp) { return MintHs256(kSecret, {"ann", {}}, exp); };
  EXPECT_TRUE(verifier->Verify(token_expiring_at(kNow + 1), kNow).ok());
  EXPECT_TRUE(verifier->Verify(token_expiring_at(kNow), kNow).ok());       // within leeway
  EXPECT_TRUE(verifier->Verify(token_expiring_at(kNow - 29), kNow).ok());  // within leeway
  ExpectRefused(*verifier, token_expiring_at(kNow - 30), "token expired");
  ExpectRefused(*verifier, token_expiring_at(kNow - 1000), "token expired");

  auto strict = HsVerifier(0);
  EXPECT_TRUE(strict->Verify(token_expiring_at(kNow + 1), kNow).ok());
  ExpectRefused(*strict, token_expiring_at(kNow), "token expired");

  auto lenient = HsVerifier(60);
  EXPECT_TRUE(lenient->Verify(token_expiring_at(kNow - 59), kNow).ok());
  ExpectRefused(*lenient, token_expiring_at(kNow - 60), "token expired");
}

TEST(JwtTest, ExpForms) {
  auto verifier = HsVerifier(0);
  EXPECT_TRUE(verifier->Verify(Hs(R"({"sub":"a","exp":1800000000.5})"), kNow).ok());
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":1799999999.9})"), "token expired");
  EXPECT_TRUE(verifier->Verify(Hs(R"({"sub":"a","exp":1e300})"), kNow).ok());
  EXPECT_TRUE(verifier->Verify(Hs(R"({"sub":"a","exp":18446744073709551615})"), kNow).ok());
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":-1e300})"), "token expired");
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":-9223372036854775808})"), "token expired");
  ExpectRefused(*verifier, Hs(R"({"sub":"a"})"), "missing or invalid exp");
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":"1800000060"})"), "missing or invalid exp");
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":true})"), "missing or invalid exp");
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":null})"), "missing or invalid exp");
  // Extreme clocks do not overflow.
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":9223372036854775807})"), "token expired",
                INT64_MAX);
  EXPECT_TRUE(verifier->Verify(Hs(R"({"sub":"a","exp":-9223372036854775807})"), INT64_MIN).ok());
}

TEST(JwtTest, NotBefore) {
  auto verifier = HsVerifier(30);
  EXPECT_TRUE(verifier->Verify(Hs(R"({"sub":"a","exp":1800000600,"nbf":1800000030})"), kNow).ok());
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":1800000600,"nbf":1800000031})"),
                "token not yet valid");
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":1800000600,"nbf":"soon"})"), "invalid nbf");
}

TEST(JwtTest, SubjectRules) {
  auto verifier = HsVerifier();
  ExpectRefused(*verifier, Hs(R"({"exp":1800000060})"), "missing or invalid sub");
  ExpectRefused(*verifier, Hs(R"({"sub":"","exp":1800000060})"), "missing or invalid sub");
  ExpectRefused(*verifier, Hs(R"({"sub":42,"exp":1800000060})"), "missing or invalid sub");
  ExpectRefused(*verifier, Hs(R"({"sub":"a\nb","exp":1800000060})"), "missing or invalid sub");
  ExpectRefused(*verifier, Hs(R"({"sub":"a\u0000b","exp":1800000060})"), "missing or invalid sub");
  std::string long_sub(257, 'u');
  ExpectRefused(*verifier, Hs(R"({"sub":")" + long_sub + R"(","exp":1800000060})"),
                "missing or invalid sub");
}

TEST(JwtTest, RolesRules) {
  auto verifier = HsVerifier();
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":1800000060,"roles":"creator"})"),
                "invalid roles");
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":1800000060,"roles":["creator",1]})"),
                "invalid roles");
  ExpectRefused(*verifier, Hs(R"({"sub":"a","exp":1800000060,"roles":null})"), "invalid roles");
}

TEST(JwtTest, BadSignatures) {
  auto verifier = HsVerifier();
  std::string token = MintHs256(kSecret, {"ann", {"creator"}}, kNow + 60);
  ExpectRefused(*verifier, MintHs256("other secret", {"ann", {}}, kNow + 60), "bad signature");
  // Payload swapped for another one (claims upgraded to a different user).
  std::string forged = token;
  size_t dot1 = forged.find('.'), dot2 = forged.rfind('.');
  forged.replace(dot1 + 1, dot2 - dot1 - 1,
                 Base64UrlEncode(R"({"sub":"admin","exp":1800000060,"roles":["creator"]})"));
  ExpectRefused(*verifier, forged, "bad signature");
  // A signature shortened by one character, or one byte short.
  ExpectRefused(*verifier, token.substr(0, token.size() - 1), "malformed token");
  std::string sig = *Base64UrlDecode(token.substr(dot2 + 1));
  ExpectRefused(*verifier, token.substr(0, dot2 + 1) + Base64UrlEncode(sig.substr(1)),
                "bad signature");
  // A flipped bit.
  sig[5] ^= 1;
  ExpectRefused(*verifier, token.substr(0, dot2 + 1) + Base64UrlEncode(sig), "bad signature");
}

TEST(JwtTest, AlgorithmsNotConfiguredAreRefused) {
  auto verifier = HsVerifier();
  std::string payload = R"({"sub":"a","exp":1800000060})";
  // alg none, with and without a signature.
  std::string none = Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(payload);
  ExpectRefused(*verifier, none + ".", "alg not allowed");
  ExpectRefused(*verifier, none + ".c2ln", "alg not allowed");
  for (std::string_view alg : {"HS384", "HS512", "hs256", "RS256", "ES256", "PS256", "None", ""}) {
    ExpectRefused(*verifier, Hs(payload, R"({"alg":")" + std::string(alg) + R"("})"),
                  "alg not allowed");
  }
  ExpectRefused(*verifier, Hs(payload, R"({"typ":"JWT"})"), "malformed token");
  ExpectRefused(*verifier, Hs(payload, R"({"alg":256})"), "malformed token");
  ExpectRefused(*verifier, Hs(payload, R"({"alg":"HS256","crit":["exp"]})"),
                "unsupported critical header");
}

TEST(JwtTest, HsRsConfusionIsImpossible) {
  const KeyPair& keys = Rsa2048();
  std::string payload = R"({"sub":"mallory","exp":1800000060,"roles":["creator"]})";
  // The classic attack: HS256 keyed with the (public!) RSA key.
  std::string attack = SignHs256(keys.public_pem, R"({"alg":"HS256"})", payload);
  auto rs_only = JwtVerifier::Create(Opts("", keys.public_pem));
  ASSERT_TRUE(rs_only.ok()) << rs_only.status();
  ExpectRefused(**rs_only, attack, "alg not allowed");
  // Even with both algorithms configured, HS256 uses only the secret.
  auto both = JwtVerifier::Create(
      {.hs256_secret = std::string(kSecret), .rs256_public_key_pem = keys.public_pem});
  ASSERT_TRUE(both.ok());
  ExpectRefused(**both, attack, "bad signature");
  // And an RS256 token goes nowhere near an HS-only verifier.
  auto rs_token = MintRs256(keys.private_pem, {"ann", {}}, kNow + 60);
  ASSERT_TRUE(rs_token.ok()) << rs_token.status();
  ExpectRefused(*HsVerifier(), *rs_token, "alg not allowed");
  // An RS256 header over an HMAC signature is a bad RSA signature.
  ExpectRefused(**both, SignHs256(kSecret, R"({"alg":"RS256"})", payload), "bad signature");
}

TEST(JwtTest, Rs256) {
  const KeyPair& keys = Rsa2048();
  auto verifier = JwtVerifier::Create(Opts("", keys.public_pem));
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE((*verifier)->accepts_rs256());
  EXPECT_FALSE((*verifier)->accepts_hs256());
  Identity ann{"ann", {"creator"}};
  auto token = MintRs256(keys.private_pem, ann, kNow + 60);
  ASSERT_TRUE(token.ok()) << token.status();
  auto identity = (*verifier)->Verify(*token, kNow);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(*identity, ann);
  ExpectRefused(**verifier, *MintRs256(keys.private_pem, ann, kNow - 100), "token expired");
  // Tampered payload.
  std::string forged = *token;
  size_t dot1 = forged.find('.'), dot2 = forged.rfind('.');
  forged.replace(dot1 + 1, dot2 - dot1 - 1, Base64UrlEncode(R"({"sub":"root","exp":1800000060})"));
  ExpectRefused(**verifier, forged, "bad signature");
  // Another key pair's signature.
  KeyPair other = GenerateRsa(2048);
  ExpectRefused(**verifier, *MintRs256(other.private_pem, ann, kNow + 60), "bad signature");
  // PKCS#1 public keys load too.
  auto pkcs1 = JwtVerifier::Create(Opts("", keys.public_pkcs1_pem));
  ASSERT_TRUE(pkcs1.ok()) << pkcs1.status() << keys.public_pkcs1_pem;
  EXPECT_TRUE((*pkcs1)->Verify(*token, kNow).ok());
}

TEST(JwtTest, CreateRefusesBadConfigurations) {
  EXPECT_TRUE(absl::IsInvalidArgument(JwtVerifier::Create({}).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(JwtVerifier::Create(Opts(std::string(kSecret), "", 61)).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(JwtVerifier::Create(Opts(std::string(kSecret), "", -1)).status()));
  auto garbage = JwtVerifier::Create(Opts("", "-----BEGIN PUBLIC KEY-----\nxx"));
  EXPECT_TRUE(absl::IsInvalidArgument(garbage.status()));
  KeyPair weak = GenerateRsa(1024);
  auto small = JwtVerifier::Create(Opts("", weak.public_pem));
  EXPECT_TRUE(absl::IsInvalidArgument(small.status()));
  EXPECT_NE(Message(small.status()).find("2048"), std::string::npos);
  // An EC key is not an RSA key.
  EVP_PKEY* ec = EVP_EC_gen("P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, ec);
  EVP_PKEY_free(ec);
  EXPECT_TRUE(absl::IsInvalidArgument(JwtVerifier::Create(Opts("", BioToString(bio))).status()));
  EXPECT_FALSE(MintRs256("not a key", {"a", {}}, kNow).ok());
}

TEST(JwtTest, MalformedTokens) {
  auto verifier = HsVerifier();
  std::string good = MintHs256(kSecret, {"ann", {}}, kNow + 60);
  size_t dot1 = good.find('.'), dot2 = good.rfind('.');
  std::string header = good.substr(0, dot1);
  std::string payload = good.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string sig = good.substr(dot2 + 1);
  for (std::string bad :
       {std::string(), std::string("."), std::string(".."), std::string("..."), std::string("abc"),
        header + "." + payload, header + "." + payload + "." + sig + ".x",
        "." + payload + "." + sig, header + ".." + sig, header + "." + payload + ".",
        header + "=." + payload + "." + sig, header + "." + payload + "." + sig + "=", " " + good,
        good + " ", good + "\n", Base64UrlEncode("[1]") + "." + payload + "." + sig,
        Base64UrlEncode("{") + "." + payload + "." + sig,
        Base64UrlEncode("\"HS256\"") + "." + payload + "." + sig,
        Base64UrlEncode(R"({"alg":"HS256"} x)") + "." + payload + "." + sig}) {
    auto result = verifier->Verify(bad, kNow);
    EXPECT_FALSE(result.ok()) << bad;
    EXPECT_TRUE(absl::IsUnauthenticated(result.status()));
  }
  // Well-signed but the payload is not a JSON object.
  ExpectRefused(*verifier, Hs("[1,2]"), "malformed token");
  ExpectRefused(*verifier, Hs("not json"), "malformed token");
  ExpectRefused(*verifier, Hs(std::string(100, '[') + std::string(100, ']')), "malformed token");
  ExpectRefused(*verifier, Hs("{\"sub\":\"\xff\",\"exp\":1800000060}"), "malformed token");
}

TEST(JwtTest, OversizedTokens) {
  auto verifier = HsVerifier();
  ExpectRefused(*verifier, std::string(kMaxTokenBytes + 1, 'a'), "token too long");
  ExpectRefused(*verifier, std::string(1 << 20, '.'), "token too long");
  // Just under the limit, validly signed, verifies.
  std::string padding(5000, 'p');
  auto ok = verifier->Verify(Hs(R"({"sub":"a","exp":1800000060,"pad":")" + padding + "\"}"), kNow);
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST(JwtTest, TruncationsAndRandomGarbageAreRefused) {
  auto verifier = HsVerifier();
  std::string good = MintHs256(kSecret, {"ann", {"creator"}}, kNow + 60);
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(verifier->Verify(good.substr(0, n), kNow).ok()) << n;
  }
  std::mt19937 rng(99);
  for (int i = 0; i < 5000; ++i) {
    std::string garbage(rng() % 300, '\0');
    for (char& c : garbage) {
      c = (i % 2 == 0)
              ? static_cast<char>(rng())
              : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."[rng() % 65];
    }
    EXPECT_FALSE(verifier->Verify(garbage, kNow).ok());
  }
  // Bit flips anywhere in a good token.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] ^= 0x01;
    EXPECT_FALSE(verifier->Verify(flipped, kNow).ok()) << i;
  }
}

// ---- Files and the gateway's flags ----

TEST(ReadSecretFileTest, TrimsOneTrailingNewline) {
  EXPECT_EQ(*ReadSecretFile(TempFile("secret\n")), "secret");
  EXPECT_EQ(*ReadSecretFile(TempFile("secret\r\n")), "secret");
  EXPECT_EQ(*ReadSecretFile(TempFile("secret")), "secret");
  EXPECT_EQ(*ReadSecretFile(TempFile("secret\n\n")), "secret\n");
  EXPECT_EQ(*ReadSecretFile(TempFile(std::string("bin\0ary", 7))), std::string("bin\0ary", 7));
  EXPECT_TRUE(absl::IsInvalidArgument(ReadSecretFile(TempFile("\n")).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ReadSecretFile(TempFile("")).status()));
  auto missing = ReadSecretFile("/nonexistent/secret");
  EXPECT_TRUE(absl::IsInvalidArgument(missing.status()));
  EXPECT_NE(Message(missing.status()).find("/nonexistent/secret"), std::string::npos);
}

TEST(MakeVerifierFromConfigTest, ReadsTheFlagsFiles) {
  gateway::GatewayConfig config;
  config.jwt_secret_file = TempFile(std::string(kSecret) + "\n");
  config.jwt_leeway_seconds = 0;
  auto verifier = MakeVerifierFromConfig(config);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE((*verifier)->Verify(MintHs256(kSecret, {"ann", {}}, kNow + 1), kNow).ok());
  ExpectRefused(**verifier, MintHs256(kSecret, {"ann", {}}, kNow), "token expired");

  config.jwt_public_key_file = TempFile(Rsa2048().public_pem);
  verifier = MakeVerifierFromConfig(config);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE((*verifier)->accepts_hs256());
  EXPECT_TRUE((*verifier)->accepts_rs256());

  config.jwt_secret_file = "/nonexistent/secret";
  auto missing = MakeVerifierFromConfig(config);
  EXPECT_TRUE(absl::IsInvalidArgument(missing.status()));
  EXPECT_NE(Message(missing.status()).find("--jwt-secret-file"), std::string::npos);

  config.jwt_secret_file.clear();
  config.jwt_public_key_file = TempFile("not a key");
  auto bad_key = MakeVerifierFromConfig(config);
  EXPECT_TRUE(absl::IsInvalidArgument(bad_key.status()));
  EXPECT_NE(Message(bad_key.status()).find("--jwt-public-key-file"), std::string::npos);

  config.jwt_public_key_file.clear();
  EXPECT_TRUE(absl::IsInvalidArgument(MakeVerifierFromConfig(config).status()));
}

TEST(MakeVerifierFromConfigTest, RefusesAShortSecretSayingHowToMakeOne) {
  gateway::GatewayConfig config;
  config.jwt_secret_file = TempFile("integration-test-secret\n");  // 23 bytes + newline
  auto verifier = MakeVerifierFromConfig(config);
  ASSERT_FALSE(verifier.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(verifier.status()));
  EXPECT_EQ(Message(verifier.status()),
            "--jwt-secret-file " + config.jwt_secret_file +
                ": the HS256 secret is 23 bytes; at least 32 are required (RFC 7518 section "
                "3.2); make one with: head -c 32 /dev/urandom | base64 > " +
                config.jwt_secret_file);
  // What that command makes (44 base64 characters and a newline) is accepted.
  config.jwt_secret_file = TempFile("q7Vb0nXh2mS1yJ0mJ4kC5u9Zt3H8wqL2rN6pF1xE0aQ=\n");
  EXPECT_TRUE(MakeVerifierFromConfig(config).ok()) << MakeVerifierFromConfig(config).status();
}

TEST(ReadHs256SecretFileTest, NamesTheFileAndTheLength) {
  const std::string path = TempFile(std::string(31, 'x'));
  auto secret = ReadHs256SecretFile(path);
  ASSERT_FALSE(secret.ok());
  for (const std::string& part :
       {path + ": ", std::string("31 bytes"), std::string("at least 32"), "base64 > " + path}) {
    EXPECT_NE(Message(secret.status()).find(part), std::string::npos) << part;
  }
  EXPECT_EQ(*ReadHs256SecretFile(TempFile(std::string(32, 'x') + "\n")), std::string(32, 'x'));
  EXPECT_NE(Message(ReadHs256SecretFile("/nonexistent/s").status()).find("cannot read"),
            std::string::npos);
}

}  // namespace
}  // namespace pubsub::auth
