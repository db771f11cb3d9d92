#include "server/web/assets.h"

#include <string>

#include <gtest/gtest.h>

namespace pubsub::web {
namespace {

constexpr Asset kTable[] = {
    {"/demo/index.html", ContentTypeOf("/demo/index.html"), "\"1\"", "<p>demo</p>"},
    {"/demo/app.js", ContentTypeOf("/demo/app.js"), "\"2\"", "export {};"},
    {"/client/pubsub.d.ts", ContentTypeOf("/client/pubsub.d.ts"), "\"3\"", "export {};"},
};

TEST(ContentTypeOf, IsChosenByTheExtension) {
  EXPECT_EQ(ContentTypeOf("/a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("/a/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("/a/app.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("/a/app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("/a/app.js.map"), "application/json");
  EXPECT_EQ(ContentTypeOf("/a/x.json"), "application/json");
  EXPECT_EQ(ContentTypeOf("/a/logo.svg"), "image/svg+xml");
  // TypeScript is shown, never run.
  EXPECT_EQ(ContentTypeOf("/client/pubsub.d.ts"), "text/plain; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("/client/pubsub.ts"), "text/plain; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("/a/README"), "application/octet-stream");
  EXPECT_EQ(ContentTypeOf("/a.b/README"), "application/octet-stream");
  EXPECT_EQ(ContentTypeOf("/a/x.exe"), "application/octet-stream");
}

TEST(FindAsset, FindsAFileByItsExactPath) {
  AssetLookup found = FindAsset(kTable, "/demo/app.js");
  ASSERT_NE(found.asset, nullptr);
  EXPECT_EQ(found.asset->bytes, "export {};");
  EXPECT_TRUE(found.redirect.empty());
}

TEST(FindAsset, ADirectoryWithItsSlashIsItsIndex) {
  AssetLookup found = FindAsset(kTable, "/demo/");
  ASSERT_NE(found.asset, nullptr);
  EXPECT_EQ(found.asset->path, "/demo/index.html");
}

TEST(FindAsset, ADirectoryWithoutItsSlashIsRedirected) {
  AssetLookup found = FindAsset(kTable, "/demo");
  EXPECT_EQ(found.asset, nullptr);
  EXPECT_EQ(found.redirect, "/demo/");
}

TEST(FindAsset, AnythingElseIsNotFound) {
  for (std::string path : {"/", "/demo/missing.js", "/client/", "/client", "/demo/app.js/", "",
                           "demo/app.js", "/demo//", "/DEMO/app.js", "/demo/../demo/app.js"}) {
    AssetLookup found = FindAsset(kTable, path);
    EXPECT_EQ(found.asset, nullptr) << path;
    EXPECT_TRUE(found.redirect.empty()) << path;
  }
}

// The table generated from the repository's web/ directory.
TEST(EmbeddedAssets, HoldTheRepositorysWebDirectory) {
  for (std::string path : {"/demo/index.html", "/admin/index.html"}) {
    AssetLookup found = FindAsset(EmbeddedAssets(), path);
    ASSERT_NE(found.asset, nullptr) << path;
    EXPECT_EQ(found.asset->content_type, "text/html; charset=utf-8");
    EXPECT_NE(found.asset->bytes.find("<html"), std::string_view::npos);
    EXPECT_EQ(found.asset->etag.size(), 18u);  // 16 hex digits in quotes
    EXPECT_EQ(found.asset->etag.front(), '"');
  }
  for (const Asset& asset : EmbeddedAssets()) {
    EXPECT_EQ(asset.path.front(), '/');
    EXPECT_EQ(asset.content_type, ContentTypeOf(asset.path));
  }
}

}  // namespace
}  // namespace pubsub::web
