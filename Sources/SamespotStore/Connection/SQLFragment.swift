import PostgresNIO

/// A piece of a query, written by interpolation as a `PostgresQuery` is (`\(value)` becomes a
/// bind), and put into one with `\(fragment)`: its binds are numbered where it lands. So a
/// prepared statement with an optional part (intake's write with or without a parent) is
/// written once, and each shape is still one fixed SQL text with its own binds.
public struct SQLFragment: ExpressibleByStringInterpolation {
    fileprivate var parts: [(inout PostgresQuery.StringInterpolation) -> Void]

    public init(stringLiteral value: String) {
        parts = [{ $0.appendLiteral(value) }]
    }

    public init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var parts: [(inout PostgresQuery.StringInterpolation) -> Void] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            parts.reserveCapacity(2 * interpolationCount + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            parts.append { $0.appendLiteral(literal) }
        }

        public mutating func appendInterpolation<Value: PostgresDynamicTypeEncodable>(_ value: Value) {
            parts.append { $0.appendInterpolation(value) }
        }

        public mutating func appendInterpolation<Value: PostgresDynamicTypeEncodable>(_ value: Value?) {
            parts.append { $0.appendInterpolation(value) }
        }

        public mutating func appendInterpolation(unescaped text: String) {
            parts.append { $0.appendInterpolation(unescaped: text) }
        }
    }
}

extension PostgresQuery.StringInterpolation {
    public mutating func appendInterpolation(_ fragment: SQLFragment) {
        for part in fragment.parts { part(&self) }
    }
}
