#pragma once
// Randomness, hashing and encodings used for every secret socialgate mints or stores.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sg {

// Cryptographically secure random bytes (OpenSSL RAND_bytes); throws on failure.
std::string random_bytes(std::size_t count);

// A URL- and cookie-safe random token carrying `entropy_bytes` bytes of entropy.
std::string random_token(std::size_t entropy_bytes = 32);

std::string base64url_encode(std::string_view data);
// Unpadded or padded base64url; nullopt on any character outside the alphabet.
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64_encode(std::string_view data);
std::string sha256_raw(std::string_view data);
std::string sha256_hex(std::string_view data);
// SHA-1 in hex: only to name a Lua script the way Redis does (EVALSHA), never for security.
std::string sha1_hex(std::string_view data);

// PKCE S256 (RFC 7636): BASE64URL(SHA256(ascii(verifier))).
std::string pkce_s256_challenge(std::string_view verifier);

// Comparison whose running time does not depend on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sg
