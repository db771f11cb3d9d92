// Static files embedded in the gateway at build time: the repository's web/
// directory (the demo and the admin page) and the browser client's build
// (client/dist/, served under /client/). server/web/CMakeLists.txt turns
// the files into a table (embed_assets.cmake); FindAsset looks a request
// path up in it, without I/O, for the front door.
//
//   web::AssetLookup found = web::FindAsset(web::EmbeddedAssets(), "/demo/");
//   if (found.asset) Serve(found.asset->bytes, found.asset->content_type);
//   else if (!found.redirect.empty()) Redirect(found.redirect);  // "/demo" -> "/demo/"
//
// Thread-safety: the table is constant data; everything here is reentrant.
#ifndef PUBSUB_SERVER_WEB_ASSETS_H_
#define PUBSUB_SERVER_WEB_ASSETS_H_

#include <span>
#include <string>
#include <string_view>

namespace pubsub::web {

// One embedded file. Every view points into static storage.
struct Asset {
  std::string_view path;          // the URL path it is served at: "/admin/admin.js"
  std::string_view content_type;  // ContentTypeOf(path)
  std::string_view etag;          // a strong ETag, quoted: "\"3f0a...\"" (SHA-256 prefix)
  std::string_view bytes;         // the file's contents
};

// The files embedded in this program (empty if web/ and client/dist/ were).
// Defined by the generated table.
std::span<const Asset> EmbeddedAssets();

// The Content-Type a file is served with, by its extension; files of an
// unknown kind are application/octet-stream. Text types carry charset=utf-8.
// TypeScript sources (.ts, .d.ts) are text/plain: a browser must not run them.
constexpr std::string_view ContentTypeOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string_view ext = name.substr(dot + 1);
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "ts" || ext == "txt" || ext == "md") return "text/plain; charset=utf-8";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "wasm") return "application/wasm";
  return "application/octet-stream";
}

struct AssetLookup {
  const Asset* asset = nullptr;  // the file to serve, or null
  std::string redirect;          // else, non-empty: the path to redirect to ("/demo/")
};

// The asset a request path names: an exact match, or for a path ending in
// '/' its index.html. A directory named without its '/' ("/demo", when
// "/demo/index.html" exists) gives a redirect to "/demo/" so that the page's
// relative URLs resolve. Neither: both fields empty (a 404).
AssetLookup FindAsset(std::span<const Asset> assets, std::string_view path);

}  // namespace pubsub::web

#endif  // PUBSUB_SERVER_WEB_ASSETS_H_
