import Testing

@testable import Adapters

/// `X-Hub-Signature-256` parsing and request ids: the byte-level code that replaced Foundation's
/// string functions on the hot path.
@Suite struct SignatureHeaderTests {
    static let signer = WebhookSignature(appSecret: "fixture-app-secret")
    static let body = Array(#"{"object":"whatsapp_business_account","entry":[]}"#.utf8)

    @Test func acceptsTheHeaderMetaSendsInAnyCaseWithBlanksAround() {
        let header = Self.signer.header(for: Self.body)
        let hex = String(header.dropFirst(7))
        for variant in [header, "SHA256=" + hex, "Sha256=" + hex.uppercased(), "  \(header)\t", "\t" + header] {
            #expect(Self.signer.check(header: variant, body: Self.body) == .valid, "\(variant)")
        }
        #expect(WebhookSignature.digest(header: header)?.count == 32)
    }

    @Test func refusesWhatIsNotSha256AndSixtyFourHexDigits() {
        let hex = String(Self.signer.header(for: Self.body).dropFirst(7))
        let short = String(hex.dropLast())
        let malformed: [String] = [
            "", "sha256=", "sha256=" + short, "sha256=" + hex + "0", "sha257=" + hex, "sha256:" + hex,
            "sha256\u{1D}" + hex, "sha1=" + hex, "sha256=" + short + "g", "sha256= " + short,
            "sha256=" + String(hex.dropLast(2)) + "é",
        ]
        for header in malformed {
            #expect(Self.signer.check(header: header, body: Self.body) == .malformed, "\(header)")
        }
        #expect(Self.signer.check(header: nil, body: Self.body) == .missing)
        let wrong = "sha256=" + String(repeating: "ab", count: 32)
        #expect(Self.signer.check(header: wrong, body: Self.body) == .mismatch)
    }

    @Test func requestIdsAreUniqueAndShort() {
        let ids = RequestIds(prefix: 0xBEEF)
        let made = (0..<5000).map { _ in ids.next() }
        #expect(Set(made).count == made.count)
        #expect(made[0] == "0000beef-000001")
        #expect(made[4999] == "0000beef-001388")
        #expect(RequestIds().next() != RequestIds().next() || RequestIds().next() != RequestIds().next())
    }

    @Test func aCallersRequestIdIsKeptOnlyWhenSafeToLog() {
        #expect(WebhookRoutes.usableRequestId("lb-7f3a-0001") == "lb-7f3a-0001")
        for bad in ["", "two words", "line\nbreak", String(repeating: "x", count: 65), "ünïcode"] {
            #expect(WebhookRoutes.usableRequestId(bad) == nil, "\(bad)")
        }
    }
}
