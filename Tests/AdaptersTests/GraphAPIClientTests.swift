import Adapters
import Delivery
import Domain
import Foundation
import Testing

/// Meta's answers (the shared Graph API fixtures) parsed into typed outcomes and classified by
/// `error.code`, whatever the HTTP status.
@Suite struct GraphAPIClientTests {
    static func graphFixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/graph-api/" + name, withExtension: "json"))
        return try Data(contentsOf: url)
    }

    @Test func aSuccessNamesTheMessage() throws {
        #expect(
            GraphAPIClient.outcome(status: 200, body: try Self.graphFixture("send_success"))
                == .accepted(wamid: "wamid.OUT0001"))
    }

    @Test(arguments: [
        ("error_100_param", 100, "permanent"), ("error_130429_throughput", 130429, "retry"),
        ("error_131000_generic", 131000, "retry"),
        ("error_131026_undeliverable", 131026, "permanent"), ("error_131047_window", 131047, "permanent"),
        ("error_131056_pair_rate", 131056, "pair"), ("error_190_token", 190, "permanent"),
    ])
    func errorsAreTypedAndClassifiedByCode(name: String, code: Int, policy: String) throws {
        // The same body with a misleading HTTP status classifies the same way.
        for status in [400, 429, 500] {
            guard
                case .rejected(let error, let http) = GraphAPIClient.outcome(
                    status: status, body: try Self.graphFixture(name))
            else {
                Issue.record("\(name) not parsed as an error")
                return
            }
            #expect(http == status)
            #expect(error.code == code)
            #expect(error.details?.isEmpty == false)
            switch ErrorPolicy.classify(error) {
            case .retry: #expect(policy == "retry", "\(name)")
            case .pairPacing: #expect(policy == "pair", "\(name)")
            case .permanent(let reason): #expect(policy == "permanent" && !reason.isEmpty, "\(name)")
            }
        }
    }

    @Test func answersWithoutAMetaBodyAreAmbiguousOnlyWhenMetaMayHaveTheMessage() {
        #expect(
            GraphAPIClient.outcome(status: 502, body: Data("<html>bad gateway</html>".utf8))
                == .unknown(reason: "HTTP 502 without an error body"))
        #expect(
            GraphAPIClient.outcome(status: 200, body: Data("{}".utf8))
                == .unknown(reason: "HTTP 200 without a message id"))
        guard case .rejected(let error, 401) = GraphAPIClient.outcome(status: 401, body: Data()) else {
            Issue.record("a bare 401 is not a refusal")
            return
        }
        #expect(error.code == 190)
    }

    @Test func requestsCarryPlusPrefixedNumbersAndBSUIDsInRecipient() throws {
        let text = GraphMessageRequest(
            OutgoingMessage(phoneNumberId: "1", to: "15551230000", body: .content(.text("hi")), callbackData: "cb"))
        #expect(
            text.to == "+15551230000" && text.recipient == nil && text.type == "text"
                && text.bizOpaqueCallbackData == "cb")
        let bsuid = GraphMessageRequest(
            OutgoingMessage(phoneNumberId: "1", to: "US.1349", body: .content(.text("hi")), callbackData: nil))
        #expect(bsuid.to == nil && bsuid.recipient == "US.1349")
        let template = GraphMessageRequest(
            OutgoingMessage(
                phoneNumberId: "1", to: "15551230000",
                body: .template(name: "daily_content_ready_v1", language: "en_US", buttonPayload: "unlock:2026-11-24"),
                callbackData: nil))
        #expect(template.template?.quickReplyPayloads == ["unlock:2026-11-24"])
        #expect(GraphSimulator.problem(template) == nil)
        let image = GraphMessageRequest(
            OutgoingMessage(
                phoneNumberId: "1", to: "1555", body: .content(.image(.mediaId("77"), caption: "c")), callbackData: nil)
        )
        #expect(image.image?.id == "77" && image.image?.link == nil && GraphSimulator.problem(image) == nil)
    }
}
