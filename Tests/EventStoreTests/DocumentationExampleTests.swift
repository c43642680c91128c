import EventStore
import Foundation
import Testing

/// The DocC landing page (`Sources/EventStore/EventStore.docc/EventStore.md`) shows the code of
/// `landingPageExampleRuns`: that test compiles and runs it, and
/// `everySnippetOfTheLandingPageIsInTheExampleTest` fails when a snippet on the page is no longer
/// in it word for word (indentation and blank lines aside), so the page cannot drift from the API.
@Suite struct DocumentationExampleTests {
    @Test func landingPageExampleRuns() async throws {
        let temporary = TempDirectory()
        let directory = temporary.path

        let log = try EventLog.open(directory: directory)

        let clicked = NewEvent(type: "button.clicked", stream: "16505551234", data: Array(#"{"button":"unlock"}"#.utf8))
        let position = try await log.append(clicked)

        let positions = try await log.append([
            NewEvent(type: "message.sent", stream: "16505551234", data: Array(#"{"template":"guide"}"#.utf8)),
            NewEvent(type: "message.delivered", stream: "16505551234", data: Array(#"{"status":"delivered"}"#.utf8)),
        ])
        #expect(position == 1)
        #expect(positions == 2..<4)

        var read: [String] = []
        for try await event in log.events(from: 1) {
            read.append("\(event.position) \(event.type)")
        }
        #expect(read == ["1 button.clicked", "2 message.sent", "3 message.delivered"])

        let reader = try LogReader.open(directory: directory)
        var iterator = reader.events(from: 2).makeAsyncIterator()
        var payloads: [String] = []
        while let event = try iterator.nextEvent() {
            payloads.append(String(decoding: event.data, as: UTF8.self))
        }
        #expect(payloads == [#"{"template":"guide"}"#, #"{"status":"delivered"}"#])

        let subscriber = Task {
            var seen: [String] = []
            for try await event in log.subscribe(from: 3) {
                seen.append(event.type)
                if event.type == "message.read" { break }
            }
            return seen
        }
        try await log.append(NewEvent(type: "message.read", stream: "16505551234", data: Array("{}".utf8)))
        let seen = try await subscriber.value
        #expect(seen == ["message.delivered", "message.read"])

        var rejection = ""
        do {
            try await log.append(NewEvent(type: "", stream: "16505551234", data: []))
        } catch {
            // `append` throws only `EventLogError`s, so `error` is one here.
            if error.code == .invalidEvent { rejection = error.message }
        }

        await log.close()
        #expect(rejection == "event type must be 1 to 255 bytes")
        #expect(log.lastPosition == 4)
    }

    @Test func everySnippetOfTheLandingPageIsInTheExampleTest() throws {
        let thisFile = URL(fileURLWithPath: #filePath)
        let root = thisFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let page = root.appendingPathComponent("Sources/EventStore/EventStore.docc/EventStore.md")
        let snippets = Self.swiftBlocks(in: try String(contentsOf: page, encoding: .utf8))
        let test = Self.normalized(try String(contentsOf: thisFile, encoding: .utf8))

        #expect(snippets.count == 6, "the landing page's Swift blocks changed: update this test with them")
        for snippet in snippets {
            let isInTheTest = test.contains(Self.normalized(snippet))
            let hint = "this snippet of EventStore.md is not in landingPageExampleRuns: copy it there"
            #expect(isInTheTest, "\(hint)\n\(snippet)")
        }
    }

    /// The bodies of the page's ```swift blocks.
    static func swiftBlocks(in markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```swift" {
                current = []
            } else if let lines = current, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append(lines.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// `code` without indentation, trailing spaces and blank lines.
    static func normalized(_ code: String) -> String {
        code.split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
    }
}
