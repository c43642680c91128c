import Domain
import EventStore
import MetaWebhook
import Testing

@Suite struct WebhookParserTests {
    private func types(_ name: String) throws -> [String] {
        WebhookParser.parse(try fixture(name)).facts.map(\.type)
    }

    @Test func eachFixtureGivesItsFacts() throws {
        #expect(try types("template_button_click.json") == ["button.clicked"])
        #expect(try types("template_button_click_without_context.json") == ["button.clicked"])
        #expect(try types("interactive_button_reply.json") == ["button.clicked"])
        #expect(try types("interactive_list_reply.json") == ["button.clicked"])
        #expect(try types("interactive_without_object.json") == ["message.received"])
        #expect(try types("text.json") == ["message.received"])
        #expect(try types("image.json") == ["message.received"])
        #expect(try types("unsupported.json") == ["message.received"])
        #expect(try types("unicode_escaped_text.json") == ["message.received"])
        #expect(try types("status_sent.json") == ["status.updated"])
        #expect(try types("status_failed_131047.json") == ["status.updated"])
        #expect(try types("value_errors.json") == ["webhook.error"])
        #expect(try types("account_update.json").isEmpty)
        #expect(WebhookParser.parse(try fixture("account_update.json")).unknownItems == 1)
    }

    @Test func aTemplateTapCarriesPayloadTextContextAndSender() throws {
        let fact = try #require(WebhookParser.parse(try fixture("template_button_click.json")).facts.first)
        let click = try #require(
            ButtonClicked(
                RecordedEvent(
                    position: 1, timestamp: 0, type: fact.type, version: 1, stream: fact.stream, data: fact.data,
                    attachment: [])))
        #expect(click.kind == .templateQuickReply)
        #expect(click.payload.hasPrefix("unlock:"))
        #expect(click.contextId != nil)
        #expect(click.sender.profileName != nil)
        #expect(fact.stream == click.sender.waId)
    }

    @Test func everyItemOfABatchCounts() throws {
        let parsed = WebhookParser.parse(try fixture("batch_mixed.json"))
        #expect(parsed.understood)
        #expect(parsed.facts.count >= 4)
        #expect(Set(parsed.facts.map(\.type)).isSuperset(of: ["button.clicked", "message.received", "status.updated"]))
    }

    @Test func notJSONOrNotTheEnvelopeIsNotUnderstood() {
        #expect(!WebhookParser.parse(Array("not json".utf8)).understood)
        #expect(!WebhookParser.parse(Array("[1,2]".utf8)).understood)
        #expect(!WebhookParser.parse(Array("{\"object\":\"page\"}".utf8)).understood)
        #expect(WebhookParser.parse([]).facts.isEmpty)
    }
}
