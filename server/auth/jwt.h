// JWT verification for the gateway: HS256 with a shared secret, and RS256
// with a public key, each accepted only when configured.
//
//   auto verifier = pubsub::auth::JwtVerifier::Create({.hs256_secret = secret});
//   absl::StatusOr<pubsub::auth::Identity> who = (*verifier)->Verify(token, now_unix_seconds);
//   if (!who.ok()) return Reply(401, who.status().message());  // "token expired"
//   who->user_id; who->roles;
//
// Claims: `sub` (required, non-empty string, <= 256 bytes, no control
// characters) is the user id; `roles` (optional) is an array of strings;
// `exp` (required, a number of seconds since the epoch) is enforced with the
// configured leeway; `nbf` is honoured when present. Other claims are ignored.
//
// Safety rules, each tested:
// - the token's "alg" must be exactly "HS256" or "RS256" AND that algorithm
//   must be configured; "none" and everything else are refused ("alg not
//   allowed"). HS256 is checked only against the secret and RS256 only
//   against the public key, so HS/RS confusion (an HMAC keyed with the public
//   key) cannot happen;
// - a "crit" header is refused (no extension is understood);
// - base64url is strict (server/auth/base64url.h); the signature is checked
//   before the claims are parsed; HMACs are compared in constant time;
// - tokens over kMaxTokenBytes are refused before any work.
//
// Failures are Unauthenticated with a short reason meant for the 401 body:
// "malformed token", "token too long", "alg not allowed", "bad signature",
// "unsupported critical header", "token expired", "token not yet valid",
// "missing or invalid exp", "invalid nbf", "missing or invalid sub",
// "invalid roles".
//
// Why not libjwt: its API takes one key for whatever "alg" the token names
// (the root of alg-confusion bugs) and Debian's version pulls in Jansson; the
// ~300 lines here, on OpenSSL (EVP) and Boost.JSON which the project already
// uses, give exact control of the accepted algorithms and of parsing limits.
//
// Thread-safety: a JwtVerifier is immutable after Create; Verify may be
// called from any thread concurrently.
#ifndef PUBSUB_SERVER_AUTH_JWT_H_
#define PUBSUB_SERVER_AUTH_JWT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace pubsub::gateway {
struct GatewayConfig;
}

namespace pubsub::auth {

inline constexpr size_t kMaxTokenBytes = 8 * 1024;
inline constexpr int kDefaultLeewaySeconds = 30;
inline constexpr int kMaxLeewaySeconds = 60;
// RFC 7518 section 3.2: an HS256 key at least as long as the hash output.
// Shorter secrets (a word, a phrase) can be brute-forced offline from one
// token, after which anyone can mint tokens for any user.
inline constexpr size_t kMinHs256SecretBytes = 32;

struct Identity {
  std::string user_id;
  std::vector<std::string> roles;

  bool HasRole(std::string_view role) const;
  bool operator==(const Identity&) const = default;
};

struct JwtVerifierOptions {
  // The HS256 secret (bytes), at least kMinHs256SecretBytes; empty: HS256
  // tokens are refused.
  std::string hs256_secret;
  // An RSA public key in PEM ("BEGIN PUBLIC KEY" or "BEGIN RSA PUBLIC KEY"),
  // at least 2048 bits; empty: RS256 tokens are refused.
  std::string rs256_public_key_pem;
  // Clock skew tolerated on exp and nbf, 0..kMaxLeewaySeconds.
  int leeway_seconds = kDefaultLeewaySeconds;
};

class JwtVerifier {
 public:
  // InvalidArgument when no key is configured, the secret is too short (see
  // CheckHs256Secret), the leeway is out of range, or the public key does not
  // load (not PEM, not RSA, under 2048 bits).
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> Create(const JwtVerifierOptions& options);

  ~JwtVerifier();
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // Verifies `token` (compact JWS: header.payload.signature) at time
  // `now_unix_seconds`; the identity, or Unauthenticated with a short reason.
  absl::StatusOr<Identity> Verify(std::string_view token, int64_t now_unix_seconds) const;

  bool accepts_hs256() const { return !secret_.empty(); }
  bool accepts_rs256() const { return public_key_ != nullptr; }

 private:
  struct KeyDeleter {
    void operator()(evp_pkey_st* key) const;
  };

  JwtVerifier() = default;

  std::string secret_;
  std::unique_ptr<evp_pkey_st, KeyDeleter> public_key_;
  int leeway_seconds_ = kDefaultLeewaySeconds;
};

// Reads a secret file (JWT secret, publisher key): its bytes without one
// trailing "\n" or "\r\n" (what `echo secret > file` adds). InvalidArgument
// naming the file when it cannot be read or is empty.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// OK, or InvalidArgument when `secret` is shorter than kMinHs256SecretBytes
// ("the HS256 secret is 19 bytes; at least 32 are required ...").
absl::Status CheckHs256Secret(std::string_view secret);

// ReadSecretFile, then CheckHs256Secret with a message for whoever wrote the
// file: its name, the length found, the minimum, and how to make a good one
// ("/etc/s: the HS256 secret is 19 bytes; at least 32 are required (...);
// make one with: head -c 32 /dev/urandom | base64 > /etc/s"). For the
// gateway's --jwt-secret-file and `pubsub token --secret-file`.
absl::StatusOr<std::string> ReadHs256SecretFile(const std::string& path);

// Builds the verifier the gateway's flags ask for: --jwt-secret-file,
// --jwt-public-key-file, --jwt-leeway-seconds (files are read here).
// InvalidArgument naming the flag on any problem, including a secret shorter
// than kMinHs256SecretBytes and when neither file is configured (--dev-auth:
// the gateway then needs no verifier).
absl::StatusOr<std::unique_ptr<JwtVerifier>> MakeVerifierFromConfig(
    const gateway::GatewayConfig& config);

// Mints an HS256 token {"sub", "roles" (when non-empty), "exp"} for tests and
// the `pubsub token` command. The secret's length is not checked here (tests
// sign with wrong secrets on purpose): callers that take a secret from a user
// check it with ReadHs256SecretFile or CheckHs256Secret.
std::string MintHs256(std::string_view secret, const Identity& identity, int64_t exp_unix_seconds);

// Mints an RS256 token with an RSA private key in PEM; InvalidArgument when
// the key does not load.
absl::StatusOr<std::string> MintRs256(std::string_view private_key_pem, const Identity& identity,
                                      int64_t exp_unix_seconds);

// Signs arbitrary header and payload JSON with HS256 (no validation): for
// tests and fuzzing that need tokens with unusual headers or claims.
std::string SignHs256(std::string_view secret, std::string_view header_json,
                      std::string_view payload_json);

}  // namespace pubsub::auth

#endif  // PUBSUB_SERVER_AUTH_JWT_H_
