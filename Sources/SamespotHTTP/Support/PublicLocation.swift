import Foundation

/// How far a public answer may place a request of a sensitive type (an abandoned car, a
/// suspected rodent nest next to someone's home): to its block, not its door.
enum PublicLocation {
    /// Degrees are rounded to the nearest 0.001 (about 110 m north–south, 80 m east–west in
    /// Chicago): the middle of a block at most, never the house.
    static func rounded(_ degrees: Double?) -> Double? {
        degrees.map { ($0 * 1_000).rounded() / 1_000 }
    }

    /// "4800 block of S WOOD ST" from the request's block key; the bare street when there is none.
    static func blockAddress(blockKey: String, address: String) -> String {
        if !blockKey.isEmpty, let space = blockKey.firstIndex(of: " ") {
            return "\(blockKey[..<space]) block of \(blockKey[blockKey.index(after: space)...])"
        }
        // No block known: drop a leading house number so the door is not named.
        let words = address.split(separator: " ")
        if let first = words.first, first.allSatisfy(\.isNumber) { return words.dropFirst().joined(separator: " ") }
        return address
    }
}
