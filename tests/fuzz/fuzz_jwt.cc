// Fuzz target: JWT verification (server/auth/jwt.h) and base64url.
//
// Input byte 0 picks a mode:
//   0: the rest is a token, verified as given (reaches the header, alg and
//      signature checks);
//   1: the rest is "header JSON \0 payload JSON", signed with the verifier's
//      secret, so that the fuzzer reaches the claim checks past the signature;
//   2: the rest is base64url text: decoding is canonical (decode, re-encode
//      gives the input back).
// The verifier accepts HS256 (a fixed secret) and RS256 (a key pair made at
// start-up), so fuzzed tokens reach both signature checks. Checks: no crash,
// no leak; an accepted identity has a non-empty, bounded sub.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "server/auth/base64url.h"
#include "server/auth/jwt.h"

namespace {

constexpr std::string_view kSecret = "fuzz-secret-of-at-least-32-bytes!";
constexpr int64_t kNow = 1'800'000'000;

void Check(bool condition) {
  if (!condition) std::abort();
}

const pubsub::auth::JwtVerifier& Verifier() {
  static const auto* verifier = [] {
    pubsub::auth::JwtVerifierOptions options;
    options.hs256_secret = std::string(kSecret);
    EVP_PKEY* key = EVP_RSA_gen(2048);
    Check(key != nullptr);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* pem = nullptr;
    long pem_size = BIO_get_mem_data(bio, &pem);
    options.rs256_public_key_pem.assign(pem, static_cast<size_t>(pem_size));
    BIO_free(bio);
    EVP_PKEY_free(key);
    auto created = pubsub::auth::JwtVerifier::Create(options);
    Check(created.ok());
    return created->release();
  }();
  return *verifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto identity = Verifier().Verify(rest, kNow);
      if (identity.ok()) Check(!identity->user_id.empty());
      // A clock at the extremes must not break the arithmetic.
      (void)Verifier().Verify(rest, INT64_MIN);
      (void)Verifier().Verify(rest, INT64_MAX);
      break;
    }
    case 1: {
      size_t nul = rest.find('\0');
      std::string_view header = rest.substr(0, nul);
      std::string_view payload = nul == std::string_view::npos ? "" : rest.substr(nul + 1);
      std::string token = pubsub::auth::SignHs256(kSecret, header, payload);
      auto identity = Verifier().Verify(token, kNow);
      if (identity.ok()) {
        Check(!identity->user_id.empty() && identity->user_id.size() <= 256);
      }
      break;
    }
    default: {
      auto decoded = pubsub::auth::Base64UrlDecode(rest);
      if (decoded.has_value()) Check(pubsub::auth::Base64UrlEncode(*decoded) == rest);
      break;
    }
  }
  return 0;
}
