#include "server/auth/jwt.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "pubsub/internal/str_cat.h"
#include "server/auth/base64url.h"
#include "server/config/gateway_config.h"

namespace pubsub::auth {
namespace {

namespace json = boost::json;

constexpr size_t kMaxSecretBytes = 64 * 1024;
constexpr size_t kMaxSubBytes = 256;
constexpr int kMinRsaBits = 2048;

using internal::Cat;

absl::Status Unauthenticated(std::string_view reason) {
  return absl::UnauthenticatedError(std::string(reason));
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// Leaves OpenSSL's per-thread error queue empty, so that a failure here does
// not surface later in unrelated OpenSSL calls (TLS, gRPC) on this thread.
struct ClearOpenSslErrors {
  ~ClearOpenSslErrors() { ERR_clear_error(); }
};

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_size);
  return std::string(reinterpret_cast<const char*>(mac), mac_size);
}

bool RsaSha256Verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  ClearOpenSslErrors clear;
  MdCtx ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

Pkey LoadKey(std::string_view pem, int selection) {
  ClearOpenSslErrors clear;
  EVP_PKEY* key = nullptr;
  OSSL_DECODER_CTX* decoder =
      OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", nullptr, "RSA", selection, nullptr, nullptr);
  if (decoder == nullptr) return nullptr;
  const unsigned char* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t size = pem.size();
  int ok = OSSL_DECODER_from_data(decoder, &data, &size);
  OSSL_DECODER_CTX_free(decoder);
  if (ok != 1) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return Pkey(key);
}

// A NumericDate claim as whole seconds, saturated to the int64 range. A
// fraction rounds up: `now` is whole seconds, and for an integer n,
// n >= t <=> n >= ceil(t) and n < t <=> n < ceil(t), so the exp and nbf
// comparisons stay exact.
std::optional<int64_t> NumericDate(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return INT64_MAX;  // only values above INT64_MAX land here
  if (v.is_double()) {
    double d = v.get_double();
    if (!std::isfinite(d)) return std::nullopt;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return static_cast<int64_t>(std::ceil(d));
  }
  return std::nullopt;
}

std::optional<json::object> ParseObject(std::string_view text) {
  json::parse_options options;
  options.max_depth = 16;  // claims are flat; refuse deep nesting early
  boost::system::error_code ec;
  json::value value =
      json::parse(json::string_view(text.data(), text.size()), ec, json::storage_ptr(), options);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

std::string_view View(const json::string& s) { return std::string_view(s.data(), s.size()); }

std::string EncodeClaims(const Identity& identity, int64_t exp) {
  json::object claims;
  claims["sub"] = identity.user_id;
  if (!identity.roles.empty()) {
    json::array roles;
    for (const std::string& role : identity.roles) roles.emplace_back(role);
    claims["roles"] = std::move(roles);
  }
  claims["exp"] = exp;
  return json::serialize(claims);
}

}  // namespace

bool Identity::HasRole(std::string_view role) const {
  for (const std::string& r : roles) {
    if (r == role) return true;
  }
  return false;
}

void JwtVerifier::KeyDeleter::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

JwtVerifier::~JwtVerifier() {
  if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(
    const JwtVerifierOptions& options) {
  if (options.hs256_secret.empty() && options.rs256_public_key_pem.empty()) {
    return absl::InvalidArgumentError("no JWT key configured (an HS256 secret or RS256 key)");
  }
  if (options.leeway_seconds < 0 || options.leeway_seconds > kMaxLeewaySeconds) {
    return absl::InvalidArgumentError(
        Cat({"JWT leeway must be 0 to ", std::to_string(kMaxLeewaySeconds), " seconds"}));
  }
  if (!options.hs256_secret.empty()) {
    if (auto status = CheckHs256Secret(options.hs256_secret); !status.ok()) return status;
  }
  if (options.hs256_secret.size() > kMaxSecretBytes) {
    return absl::InvalidArgumentError("HS256 secret larger than 64 KiB");
  }
  std::unique_ptr<JwtVerifier> verifier(new JwtVerifier());
  verifier->secret_ = options.hs256_secret;
  verifier->leeway_seconds_ = options.leeway_seconds;
  if (!options.rs256_public_key_pem.empty()) {
    Pkey key = LoadKey(options.rs256_public_key_pem, OSSL_KEYMGMT_SELECT_PUBLIC_KEY);
    if (key == nullptr) {
      return absl::InvalidArgumentError("RS256 public key: not an RSA public key in PEM");
    }
    if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
      return absl::InvalidArgumentError("RS256 public key: RSA keys under 2048 bits are refused");
    }
    verifier->public_key_.reset(key.release());
  }
  return verifier;
}

absl::StatusOr<Identity> JwtVerifier::Verify(std::string_view token,
                                             int64_t now_unix_seconds) const {
  if (token.size() > kMaxTokenBytes) return Unauthenticated("token too long");
  size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Unauthenticated("malformed token");
  size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Unauthenticated("malformed token");
  }
  std::string_view header_b64 = token.substr(0, dot1);
  std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view signature_b64 = token.substr(dot2 + 1);
  if (header_b64.empty() || payload_b64.empty()) return Unauthenticated("malformed token");

  // The header: which algorithm?
  std::optional<std::string> header_json = Base64UrlDecode(header_b64);
  if (!header_json.has_value()) return Unauthenticated("malformed token");
  std::optional<json::object> header = ParseObject(*header_json);
  if (!header.has_value()) return Unauthenticated("malformed token");
  const json::value* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return Unauthenticated("malformed token");
  const bool hs256 = View(alg->get_string()) == "HS256" && accepts_hs256();
  const bool rs256 = View(alg->get_string()) == "RS256" && accepts_rs256();
  if (!hs256 && !rs256) return Unauthenticated("alg not allowed");
  if (header->contains("crit")) return Unauthenticated("unsupported critical header");

  // The signature, over the ASCII bytes "header.payload".
  std::optional<std::string> signature = Base64UrlDecode(signature_b64);
  if (!signature.has_value() || signature->empty()) return Unauthenticated("malformed token");
  std::string_view signed_part = token.substr(0, dot2);
  bool signature_ok = false;
  if (hs256) {
    std::string mac = HmacSha256(secret_, signed_part);
    signature_ok = signature->size() == mac.size() &&
                   CRYPTO_memcmp(signature->data(), mac.data(), mac.size()) == 0;
  } else {
    signature_ok = RsaSha256Verify(public_key_.get(), signed_part, *signature);
  }
  if (!signature_ok) return Unauthenticated("bad signature");

  // The claims.
  std::optional<std::string> payload_json = Base64UrlDecode(payload_b64);
  if (!payload_json.has_value()) return Unauthenticated("malformed token");
  std::optional<json::object> claims = ParseObject(*payload_json);
  if (!claims.has_value()) return Unauthenticated("malformed token");

  const json::value* exp_value = claims->if_contains("exp");
  std::optional<int64_t> exp = exp_value == nullptr ? std::nullopt : NumericDate(*exp_value);
  if (!exp.has_value()) return Unauthenticated("missing or invalid exp");
  // 128-bit arithmetic: claims and `now` may be anywhere in the int64 range.
  const __int128 now = now_unix_seconds;
  if (now >= static_cast<__int128>(*exp) + leeway_seconds_) {
    return Unauthenticated("token expired");
  }
  if (const json::value* nbf_value = claims->if_contains("nbf")) {
    std::optional<int64_t> nbf = NumericDate(*nbf_value);
    if (!nbf.has_value()) return Unauthenticated("invalid nbf");
    if (now + leeway_seconds_ < *nbf) return Unauthenticated("token not yet valid");
  }

  Identity identity;
  const json::value* sub = claims->if_contains("sub");
  if (sub == nullptr || !sub->is_string() || sub->get_string().empty() ||
      sub->get_string().size() > kMaxSubBytes) {
    return Unauthenticated("missing or invalid sub");
  }
  for (char c : View(sub->get_string())) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return Unauthenticated("missing or invalid sub");
    }
  }
  identity.user_id = std::string(View(sub->get_string()));
  if (const json::value* roles = claims->if_contains("roles")) {
    if (!roles->is_array()) return Unauthenticated("invalid roles");
    for (const json::value& role : roles->get_array()) {
      if (!role.is_string()) return Unauthenticated("invalid roles");
      identity.roles.emplace_back(View(role.get_string()));
    }
  }
  return identity;
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(Cat({path, ": cannot read: ", std::strerror(errno)}));
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) return absl::InvalidArgumentError(Cat({path, ": read error"}));
  std::string secret = content.str();
  if (!secret.empty() && secret.back() == '\n') {
    secret.pop_back();
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  }
  if (secret.empty()) return absl::InvalidArgumentError(Cat({path, ": the file is empty"}));
  return secret;
}

absl::Status CheckHs256Secret(std::string_view secret) {
  if (secret.size() >= kMinHs256SecretBytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      Cat({"the HS256 secret is ", std::to_string(secret.size()), " bytes; at least ",
           std::to_string(kMinHs256SecretBytes), " are required (RFC 7518 section 3.2)"}));
}

absl::StatusOr<std::string> ReadHs256SecretFile(const std::string& path) {
  absl::StatusOr<std::string> secret = ReadSecretFile(path);
  if (!secret.ok()) return secret;
  if (auto status = CheckHs256Secret(*secret); !status.ok()) {
    // A guessable secret lets anyone mint tokens for any user: say how to
    // make a good one.
    return absl::InvalidArgumentError(
        Cat({path, ": ", std::string(status.message()), "; make one with: head -c ",
             std::to_string(kMinHs256SecretBytes), " /dev/urandom | base64 > ", path}));
  }
  return secret;
}

absl::StatusOr<std::unique_ptr<JwtVerifier>> MakeVerifierFromConfig(
    const gateway::GatewayConfig& config) {
  JwtVerifierOptions options;
  options.leeway_seconds = config.jwt_leeway_seconds;
  if (!config.jwt_secret_file.empty()) {
    auto secret = ReadHs256SecretFile(config.jwt_secret_file);
    if (!secret.ok()) {
      return absl::InvalidArgumentError(
          Cat({"--jwt-secret-file ", std::string(secret.status().message())}));
    }
    options.hs256_secret = std::move(*secret);
  }
  if (!config.jwt_public_key_file.empty()) {
    auto pem = ReadSecretFile(config.jwt_public_key_file);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(
          Cat({"--jwt-public-key-file ", std::string(pem.status().message())}));
    }
    options.rs256_public_key_pem = std::move(*pem);
  }
  if (options.hs256_secret.empty() && options.rs256_public_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "no JWT key: give --jwt-secret-file and/or --jwt-public-key-file");
  }
  auto verifier = JwtVerifier::Create(options);
  if (!verifier.ok()) {
    std::string flag =
        config.jwt_public_key_file.empty() ? "--jwt-secret-file" : "--jwt-public-key-file";
    return absl::InvalidArgumentError(Cat(
        {flag, " ",
         config.jwt_public_key_file.empty() ? config.jwt_secret_file : config.jwt_public_key_file,
         ": ", std::string(verifier.status().message())}));
  }
  return verifier;
}

std::string SignHs256(std::string_view secret, std::string_view header_json,
                      std::string_view payload_json) {
  std::string token = Base64UrlEncode(header_json);
  token.push_back('.');
  token.append(Base64UrlEncode(payload_json));
  std::string mac = HmacSha256(secret, token);
  token.push_back('.');
  token.append(Base64UrlEncode(mac));
  return token;
}

std::string MintHs256(std::string_view secret, const Identity& identity, int64_t exp_unix_seconds) {
  return SignHs256(secret, R"({"alg":"HS256","typ":"JWT"})",
                   EncodeClaims(identity, exp_unix_seconds));
}

absl::StatusOr<std::string> MintRs256(std::string_view private_key_pem, const Identity& identity,
                                      int64_t exp_unix_seconds) {
  ClearOpenSslErrors clear;
  Pkey key = LoadKey(private_key_pem, OSSL_KEYMGMT_SELECT_KEYPAIR);
  if (key == nullptr) return absl::InvalidArgumentError("not an RSA private key in PEM");
  std::string token = Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})");
  token.push_back('.');
  token.append(Base64UrlEncode(EncodeClaims(identity, exp_unix_seconds)));
  MdCtx ctx(EVP_MD_CTX_new());
  size_t size = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(token.data()), token.size()) != 1) {
    return absl::InternalError("RS256 signing failed");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(token.data()), token.size()) != 1) {
    return absl::InternalError("RS256 signing failed");
  }
  signature.resize(size);
  token.push_back('.');
  token.append(Base64UrlEncode(signature));
  return token;
}

}  // namespace pubsub::auth
