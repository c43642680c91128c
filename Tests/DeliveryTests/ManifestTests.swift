import Delivery
import Domain
import Testing

@Suite struct ManifestTests {
    @Test func theDefaultPackHasThreeImagesAndThreeTextsInOrder() throws {
        let manifest = try ManifestLoader.parse(DefaultManifest.yaml)
        let pack = try #require(manifest.resolve(payload: "unlock:2026-11-24"))
        #expect(pack.name == "daily-2026-11-24")
        #expect(pack.items.map(\.messageType) == ["image", "text", "image", "text", "image", "text"])
        guard case .image(.link(let link), let caption) = pack.items[0] else {
            Issue.record("first item is not an image by link")
            return
        }
        #expect(link == "https://content.clickunlock.example/2026-11-24/market-overview.jpg")
        #expect(caption == "Market overview, 2026-11-24 (1/3)")
    }

    @Test func payloadsMatchLiterallyOrThroughAValidDate() throws {
        let manifest = try ManifestLoader.parse(
            """
            {"packs": [
              {"name": "weekly", "payload": "weekly-pack", "items": [{"type": "text", "body": "hello"}]},
              {"name": "d-{date}", "payload": "unlock:{date}",
               "items": [{"type": "image", "id": "123", "caption": "c {date}"}]}
            ]}
            """)
        #expect(manifest.resolve(payload: "weekly-pack")?.name == "weekly")
        #expect(
            manifest.resolve(payload: "unlock:2026-02-03")?.items == [.image(.mediaId("123"), caption: "c 2026-02-03")])
        for payload in [
            "unlock:2026-13-01", "unlock:2026-1-01", "unlock:", "unlock:2026-11-24x", "weekly", "Unlock:2026-11-24",
        ] {
            #expect(manifest.resolve(payload: payload) == nil, "\(payload) matched")
        }
    }

    @Test(arguments: [
        (
            "packs:\n  - name: a\n    payload: p\n    items:\n      - type: video\n        link: x\n", 5,
            "unknown item type"
        ),
        (
            "packs:\n  - name: a\n    payload: p\n    items:\n      - type: image\n"
                + "        link: https://x/1.jpg\n        id: 7\n",
            5, "exactly one"
        ),
        ("packs:\n  - name: a\n    payload: p\n    items: []\n", 4, "1 to 50"),
        (
            "packs:\n  - name: a\n    payload: p\n    colour: red\n    items:\n      - type: text\n        body: b\n",
            4, "unknown key `colour`"
        ),
        (
            "packs:\n  - name: a\n    payload: \"{date}-{date}\"\n    items:\n      - type: text\n        body: b\n", 3,
            "one placeholder"
        ),
        ("packs:\n  - name: a\n    payload: p\n    items:\n      - type: image\n        link: ftp://x\n", 6, "http(s)"),
        (
            "packs:\n  - name: a\n    payload: p\n    items:\n      - type: text\n        body: b\n"
                + "  - name: b\n    payload: p\n    items:\n      - type: text\n        body: c\n",
            7, "earlier pack"
        ),
        ("packs:\n  - name: a\n    payload: [p\n", 4, "not valid YAML"),
        (
            "{\"packs\": [{\"name\": \"a\", \"payload\": \"p\", \"items\": [{\"type\": \"text\"}]}]}", 1,
            "`body` is missing"
        ),
    ])
    func anInvalidManifestIsRejectedWithItsLineAndReason(text: String, line: Int, reason: String) {
        do {
            _ = try ManifestLoader.parse(text)
            Issue.record("accepted an invalid manifest")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test func aMissingFileIsReportedByPath() {
        #expect(throws: ManifestLoader.Problem.self) { try ManifestLoader.load(path: "/nonexistent/content.yaml") }
    }
}
