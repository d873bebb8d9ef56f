/// One question a service type asks (Open311 GeoReport v2 "service definition" attribute).
public struct ServiceAttribute: Sendable, Equatable, Codable {
    public enum DataType: String, Sendable, Codable, CaseIterable {
        case string, number, datetime, text, singlevaluelist, multivaluelist
    }

    public struct Value: Sendable, Equatable, Codable {
        public var key: String
        public var name: String
        public init(key: String, name: String) { self.key = key; self.name = name }
    }

    public var code: String
    /// false: an informational line the app shows, not a question.
    public var variable: Bool
    public var datatype: DataType
    public var required: Bool
    public var datatypeDescription: String
    public var order: Int
    public var description: String
    public var values: [Value]

    public init(code: String, variable: Bool = true, datatype: DataType, required: Bool = false,
                datatypeDescription: String = "", order: Int = 0, description: String, values: [Value] = []) {
        self.code = code; self.variable = variable; self.datatype = datatype; self.required = required
        self.datatypeDescription = datatypeDescription; self.order = order; self.description = description
        self.values = values
    }

    public static let maxValueLength = 4_000

    /// Checks what a caller sent for a type's attributes: required ones present, list answers
    /// among the keys, numbers and dates readable. Codes the type does not ask are ignored (apps
    /// send their own, such as `attribute[uprn]`). Returns the answers to store, or the first
    /// problem as a sentence that names the attribute.
    public static func validate(_ sent: [String: [String]], against definitions: [ServiceAttribute])
        -> Result<[String: [String]], AttributeError>
    {
        var accepted: [String: [String]] = [:]
        for definition in definitions.sorted(by: { $0.order < $1.order }) where definition.variable {
            let values = (sent[definition.code] ?? []).filter { !$0.isEmpty }
            let name = "attribute[\(definition.code)]"
            if values.isEmpty {
                if definition.required { return .failure(AttributeError("\(name) is required: \(definition.description)")) }
                continue
            }
            if values.contains(where: { $0.count > maxValueLength }) {
                return .failure(AttributeError("\(name) is longer than \(maxValueLength) characters"))
            }
            switch definition.datatype {
            case .string, .text:
                guard values.count == 1 else { return .failure(AttributeError("\(name) takes one value")) }
            case .number:
                guard values.count == 1, let n = Double(values[0]), n.isFinite else {
                    return .failure(AttributeError("\(name) must be a number"))
                }
            case .datetime:
                guard values.count == 1, W3CDateTime.parse(values[0]) != nil else {
                    return .failure(AttributeError("\(name) must be a date and time such as 2021-01-01T09:30:00-06:00"))
                }
            case .singlevaluelist, .multivaluelist:
                if definition.datatype == .singlevaluelist, values.count != 1 {
                    return .failure(AttributeError("\(name) takes one of its values, not \(values.count)"))
                }
                let keys = Set(definition.values.map(\.key))
                if let bad = values.first(where: { !keys.contains($0) }) {
                    let allowed = definition.values.map(\.key).joined(separator: ", ")
                    return .failure(AttributeError("\(name) is \"\(bad.prefix(40))\"; it must be one of: \(allowed)"))
                }
            }
            accepted[definition.code] = values
        }
        return .success(accepted)
    }
}

public struct AttributeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
