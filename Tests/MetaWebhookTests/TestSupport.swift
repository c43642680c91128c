import Foundation
import Testing

/// A webhook body Meta sent (or would send), from `Fixtures/webhooks`.
func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/webhooks/" + name, withExtension: nil))
    return [UInt8](try Data(contentsOf: url))
}
