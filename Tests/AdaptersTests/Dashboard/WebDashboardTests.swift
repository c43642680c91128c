import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Adapters

/// The web dashboard's files on the dashboard port over loopback: served without a token, with
/// their types, tags and the page's Content-Security-Policy; the files compiled in are the ones
/// beside the sources, and every file the page names is served.
@Suite struct WebDashboardTests {
    static let webDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/Adapters/Web")

    @Test func thePageAndItsAssetsNeedNoTokenButTheDataDoes() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        try await fixture.application().test(.live) { client in
            let page = try await client.execute(uri: "/", method: .get)  // Host: localhost
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            #expect(page.headers[.cacheControl] == "no-cache")
            #expect(page.headers[.server] == nil)
            let policy = try #require(page.headers[.contentSecurityPolicy])
            for directive in [
                "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
                "connect-src 'self' ws://localhost wss://localhost;", "frame-ancestors 'none'",
                "base-uri 'none'", "form-action 'none'",
            ] {
                #expect(policy.contains(directive), "\(directive) is not in \(policy)")
            }
            #expect(!policy.contains("unsafe"))
            let html = text(page)
            #expect(html.contains(#"<meta name="clickunlock-open" content="false">"#))
            #expect(html.contains(#"<meta name="clickunlock-zone" content="UTC">"#))
            #expect(!html.contains("{{"))
            #expect(!html.contains(DashboardFixture.token))

            for (name, type) in [
                ("app.js", "text/javascript; charset=utf-8"), ("style.css", "text/css; charset=utf-8"),
                ("icon.svg", "image/svg+xml; charset=utf-8"),
            ] {
                let asset = try await client.execute(uri: "/assets/\(name)", method: .get)
                #expect(asset.status == .ok, "\(name)")
                #expect(asset.headers[.contentType] == type)
                #expect(asset.headers[.xContentTypeOptions] == "nosniff")
                #expect(asset.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'")
            }
            let data = try await client.execute(uri: "/api/webhook/health", method: .get)
            #expect(data.status == .unauthorized, "the page is public; what it shows is not")
        }
    }

    @Test func anUnchangedFileIsAnswered304AndAnUnknownOne404() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        try await fixture.application().test(.live) { client in
            for uri in ["/", "/assets/app.js"] {
                let first = try await client.execute(uri: uri, method: .get)
                let tag = try #require(first.headers[.eTag])
                #expect(tag.hasPrefix("\"") && tag.hasSuffix("\"") && tag.count == 34)
                let again = try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: "W/\(tag)"])
                #expect(again.status == .notModified)
                #expect(again.headers[.eTag] == tag)
                #expect(again.body.readableBytes == 0)
                let other = try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: "\"other\""])
                #expect(other.status == .ok)
                #expect(other.body.readableBytes > 0)
            }
            for uri in [
                "/assets/nothing.js", "/assets/", "/assets/app.js/x", "/assets/../Package.swift", "/index.html",
            ] {
                let missing = try await client.execute(uri: uri, method: .get)
                #expect(missing.status == .notFound, "\(uri)")
                #expect(try errorBody(missing).code == "not_found")
            }
            let post = try await client.execute(uri: "/assets/app.js", method: .post)
            #expect(post.status == .methodNotAllowed)
        }
    }

    @Test func anOpenDashboardSaysSoAndTheZoneIsEscaped() throws {
        let page = WebPage(open: true, reportingTimeZone: "Europe/Lisbon\"><script>", feedPort: 3001)
        let html = String(decoding: page.index.bytes, as: UTF8.self)
        #expect(html.contains(#"<meta name="clickunlock-open" content="true">"#))
        #expect(html.contains("Europe/Lisbon&quot;&gt;&lt;script&gt;"))
        let policy = page.contentSecurityPolicy(host: "localhost:3002")
        #expect(policy.contains("connect-src 'self' ws://localhost:3002 wss://localhost:3002 ws://localhost:3001"))
        let noHost = page.contentSecurityPolicy(host: "evil.example;script-src *")
        #expect(noHost.contains("connect-src 'self';"), "a Host that is not a plain name:port is left out")
        #expect(WebPage.hostName("[::1]:3002") == "[::1]")
    }

    /// Each file beside the sources is compiled in as it is, and none is left out.
    @Test func theServedFilesAreTheOnesInTheSources() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.webDirectory.path)
            .filter { !$0.hasSuffix(".swift") }
        #expect(Set(names) == Set(WebAssets.files.keys).union(["index.html"]))
        for (name, file) in WebAssets.files {
            #expect(try Data(contentsOf: Self.webDirectory.appendingPathComponent(name)) == Data(file.bytes), "\(name)")
        }
        #expect(
            try Data(contentsOf: Self.webDirectory.appendingPathComponent("index.html"))
                == Data(WebAssets.indexTemplate))
    }

    /// Every `/assets/NAME` the page names and every module a script imports is served.
    @Test func everyFileThePageNamesIsServed() throws {
        var named: Set<String> = []
        let index = String(decoding: WebAssets.indexTemplate, as: UTF8.self)
        for match in index.matches(of: /\/assets\/([A-Za-z0-9._-]+)/) { named.insert(String(match.1)) }
        for (name, file) in WebAssets.files where name.hasSuffix(".js") {
            let source = String(decoding: file.bytes, as: UTF8.self)
            for match in source.matches(of: /from '\.\/([A-Za-z0-9._-]+)'/) { named.insert(String(match.1)) }
        }
        #expect(named.contains("app.js") && named.contains("feed.js"))
        #expect(named.subtracting(WebAssets.files.keys).isEmpty, "named but not served: \(named)")
    }
}
