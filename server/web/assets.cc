#include "server/web/assets.h"

namespace pubsub::web {
namespace {

const Asset* Exact(std::span<const Asset> assets, std::string_view path) {
  for (const Asset& asset : assets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace

AssetLookup FindAsset(std::span<const Asset> assets, std::string_view path) {
  AssetLookup found;
  if (path.empty() || path.front() != '/') return found;
  if (path.back() == '/') {
    found.asset = Exact(assets, std::string(path) + "index.html");
    return found;
  }
  found.asset = Exact(assets, path);
  if (found.asset == nullptr && Exact(assets, std::string(path) + "/index.html") != nullptr) {
    found.redirect = std::string(path) + "/";
  }
  return found;
}

}  // namespace pubsub::web
