import ArgumentParser
import Foundation
import SamespotCore
import SamespotStore

/// API keys: created with a role (and, for ward offices, their wards), listed, revoked.
/// A key is printed once, when created; only its hash is stored.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys (roles: public, intake, planner, ward_office, admin).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (once: only its hash is kept).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "public, intake, planner, ward_office or admin") var role: String
        @Option(help: "For ward_office keys: the wards it serves, comma-separated (e.g. 3,4)") var wards: String?
        @Option(help: "Who or what the key is for (shown in lists and the audit log)") var label: String = ""
        @Option(help: "The staff member (id from GET /v1/staff) the key belongs to: letters it sends are signed with their name and title")
        var staff: Int64?

        func validate() throws {
            guard Role(rawValue: role) != nil else {
                throw ValidationError("--role \(role) is not one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            let role = Role(rawValue: role)!
            let wardList = (wards ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let label = self.label
            let staffID = staff
            let logger = database.makeLogger("samespot.keys")
            let created = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                do { return try await APIKeyStore(database: db).create(role: role, wards: wardList, label: label, staffID: staffID) } catch let error as StoreError {
                    throw ValidationError(error.description)
                }
            }
            FileHandle.standardError.write(Data("key \(created.info.id) (\(role.rawValue)\(wardList.isEmpty ? "" : ", wards \(wardList.joined(separator: ","))")) created; it is shown only now:\n".utf8))
            print(created.key)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys: id, prefix, role, wards, label, created, revoked.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = database.makeLogger("samespot.keys")
            let keys = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                try await APIKeyStore(database: db).list()
            }
            print("id\tprefix\trole\twards\tlabel\tcreated\trevoked")
            for k in keys {
                print("\(k.id)\t\(k.prefix)…\t\(k.role.rawValue)\t\(k.wards.joined(separator: ","))\t\(k.label)\t\(k.createdAt.formatted(.iso8601))\t\(k.revokedAt.map { $0.formatted(.iso8601) } ?? "")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id: it stops working within 30 seconds on every instance.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The key's id (see keys list)") var id: Int64

        func run() async throws {
            let logger = database.makeLogger("samespot.keys")
            let id = self.id
            try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                do { try await APIKeyStore(database: db).revoke(id: id) } catch let error as StoreError {
                    throw ValidationError(error.description)
                }
            }
            print("key \(id) revoked")
        }
    }
}
