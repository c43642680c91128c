import Domain
import Foundation

/// Keyset cursors: the values of the last row of a page, with the list they belong to and a
/// checksum, as base64url. Anything that does not decode, whose checksum fails, or that names
/// another list is refused (`DashboardQueryError.badCursor`).
enum DashboardCursor {
    private static let seed: UInt64 = 0x636c_6963_6b75_6e6c
    private static let maxLength = 2048

    static func make(_ list: String, _ values: [String]) -> String {
        var bytes: [UInt8] = []
        for field in [list] + values {
            let utf8 = Array(field.utf8)
            let count = UInt32(utf8.count)
            bytes += [UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)]
            bytes += utf8
        }
        var hash = checksum(bytes)
        for _ in 0..<8 {
            bytes.append(UInt8(hash & 0xff))
            hash >>= 8
        }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The values of a cursor made by `make(list, ...)` with `count` values.
    static func parse(_ cursor: String, _ list: String, count: Int) throws(DashboardQueryError) -> [String] {
        guard !cursor.isEmpty, cursor.utf8.count <= maxLength,
            cursor.utf8.allSatisfy({ isBase64URL($0) })
        else { throw .badCursor }
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        guard let data = Data(base64Encoded: text), data.count > 8 else { throw .badCursor }
        let bytes = [UInt8](data)
        let body = Array(bytes.dropLast(8))
        var hash = checksum(body)
        for byte in bytes.suffix(8) {
            guard byte == UInt8(hash & 0xff) else { throw .badCursor }
            hash >>= 8
        }
        var fields: [String] = []
        var index = 0
        while index < body.count {
            guard index + 4 <= body.count else { throw .badCursor }
            let length = body[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
            index += 4
            guard length <= body.count - index,
                let field = String(validating: body[index..<index + length], as: UTF8.self)
            else { throw .badCursor }
            fields.append(field)
            index += length
        }
        guard fields.count == count + 1, fields[0] == list, make(list, Array(fields.dropFirst())) == cursor else {
            throw .badCursor
        }
        return Array(fields.dropFirst())
    }

    /// The values as integers, each required to be one.
    static func integers(_ values: [String]) throws(DashboardQueryError) -> [Int64] {
        var numbers: [Int64] = []
        for value in values {
            guard let number = Int64(value) else { throw .badCursor }
            numbers.append(number)
        }
        return numbers
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default: return false
        }
    }

    /// FNV-1a over the bytes, seeded: catches a cursor edited by hand or made up.
    private static func checksum(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
