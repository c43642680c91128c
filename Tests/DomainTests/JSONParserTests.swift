import ClickUnlockTesting
import Domain
import Foundation
import Testing

/// The hot-path JSON parser agrees with Foundation's `JSONSerialization` on what is valid and on
/// every value, over the shared fixtures, generated traffic and tricky documents.
@Suite struct JSONParserTests {
    /// Foundation's parse, in the same shape.
    static func reference(_ bytes: [UInt8]) -> JSONValue? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
            return nil
        }
        return convert(value)
    }

    static func convert(_ value: Any) -> JSONValue {
        switch value {
        case is NSNull: return .null
        case let text as String: return .string(text)
        case let array as [Any]: return .array(array.map(convert))
        case let dictionary as [String: Any]:
            return .object(
                JSONObject(
                    fields: dictionary.sorted { $0.key < $1.key }.map { JSONObject.Field($0.key, convert($0.value)) }))
        case let number as NSNumber:
            if String(describing: type(of: number)).contains("Boolean") { return .bool(number.boolValue) }
            return .number(number.doubleValue, exact: Int64("\(number)"))
        default: return .string("unexpected \(type(of: value))")
        }
    }

    /// Objects with their keys sorted and repeated keys collapsed (Foundation keeps the last).
    static func normalised(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items): return .array(items.map(normalised))
        case .object(let object):
            var last: [String: JSONValue] = [:]
            for field in object.fields { last[field.key] = normalised(field.value) }
            return .object(
                JSONObject(fields: last.sorted { $0.key < $1.key }.map { JSONObject.Field($0.key, $0.value) }))
        default: return value
        }
    }

    static func agree(_ bytes: [UInt8]) -> Bool {
        let ours = try? JSONParser.parse(bytes)
        let theirs = reference(bytes)
        if ours == nil || theirs == nil { return (ours == nil) == (theirs == nil) }
        return normalised(ours!) == normalised(theirs!)
    }

    @Test func fixturesAndGeneratedTrafficParseAlike() throws {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures/webhooks", withExtension: nil))
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".json") {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
            #expect(Self.agree(bytes), "\(name)")
        }
        var traffic = SampleTraffic(seed: 99)
        for _ in 0..<2000 {
            let body = traffic.next(receivedAt: 0).body
            #expect(Self.agree(body))
        }
    }

    @Test(arguments: [
        #"{"a":"\u00e9\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t","b":-0.5e3,"c":[],"d":{},"e":[true,false,null],"#
            + #""f":9223372036854775807}"#,
        #"{"a":1,"a":2}"#, #"[1,2,3]"#, #""text""#, "  {\"x\" : [ 1 , { } ] }  ",
        #"{"big":123456789012345678901234567890}"#,
        #"{"n":-0}"#, #"{"n":-123456789012345678}"#, #"{"n":999999999999999999}"#, #"{"n":-9223372036854775808}"#,
        #"{"n":1E2}"#, #"{"n":1.0}"#,
        // Invalid: each must be refused by both.
        #"{"a":01}"#, #"{"a":.5}"#, #"{"a":"\x"}"#, #"{"a":"\ud83d"}"#, #"{"a":"\udc00"}"#, #"{"a" 1}"#,
        #"{"a":1} x"#, #"{'a':1}"#, #"{"a":tru}"#, "{\"a\":\"tab\there\"}", "", "{", #"{"a":-}"#, #"{"a":1.}"#,
        #"{"a":1e}"#,
    ])
    func trickyDocumentsParseAlike(text: String) {
        #expect(Self.agree(Array(text.utf8)), "\(text)")
    }

    @Test func trailingCommasAreRefusedThoughFoundationTakesThem() {
        // RFC 8259 has none; Meta sends none. Such a body is stored raw, marked unparsed.
        #expect((try? JSONParser.parse(Array(#"{"a":1,}"#.utf8))) == nil)
        #expect(Self.reference(Array(#"{"a":1,}"#.utf8)) != nil)
    }

    @Test func invalidUTF8AndDeepNestingAreRefused() {
        #expect((try? JSONParser.parse([0x22, 0xFF, 0xFE, 0x22])) == nil)
        let deep = Array((String(repeating: "[", count: 600) + String(repeating: "]", count: 600)).utf8)
        #expect((try? JSONParser.parse(deep)) == nil)
        let fine = Array((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8)
        #expect((try? JSONParser.parse(fine)) != nil)
    }
}
