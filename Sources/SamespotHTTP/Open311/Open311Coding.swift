import Foundation
import SamespotCore
import SamespotStore

/// Samespot's records as GeoReport v2 elements.
enum Open311Coding {
    /// One request as `GET requests` shows it. Requester data is not in `RequestRecord` at all.
    /// - Parameters:
    ///   - publicView: round sensitive types to the block and leave out their description.
    ///   - extensions: add `extended_attributes` and `notes` (Chicago's `extensions=true`).
    static func request(_ r: RequestRecord, clock: CityClock, publicView: Bool, extensions: Bool) -> Open311Node {
        let hide = publicView && r.sensitive
        // A child reads "closed" once its parent closes; its status_notes name the parent
        // (never a custom status: clients link requests by the standard ones).
        var fields: [(String, Open311Node)] = [
            ("service_request_id", .text(r.serviceRequestID)),
            ("status", .text(r.status.open311Status)),
            ("status_notes", .text(r.statusNotes.isEmpty ? nil : r.statusNotes)),
            ("service_name", .text(r.serviceName)),
            ("service_code", .text(r.serviceCode)),
            ("description", .text(hide || r.description.isEmpty ? nil : r.description)),
            ("agency_responsible", .text(r.department.isEmpty ? nil : r.department)),
            ("service_notice", .text(nil)),
            ("requested_datetime", .text(clock.w3c(r.requestedAt))),
            ("updated_datetime", .text(clock.w3c(r.updatedAt))),
            ("expected_datetime", .text(r.respondDueAt.map(clock.w3c))),
            ("address", .text(hide ? PublicLocation.blockAddress(blockKey: r.blockKey, address: r.address) : (r.address.isEmpty ? nil : r.address))),
            ("address_id", .text(hide ? nil : r.addressID.map(String.init))),
            ("zipcode", .text(r.zipCode.isEmpty ? nil : r.zipCode)),
            ("lat", .optionalNumber(hide ? PublicLocation.rounded(r.latitude) : r.latitude)),
            ("long", .optionalNumber(hide ? PublicLocation.rounded(r.longitude) : r.longitude)),
            ("media_url", .text(hide || r.mediaURL.isEmpty ? nil : r.mediaURL)),
        ]
        if extensions {
            fields.append(("extended_attributes", .object([
                ("duplicate", .bool(r.parentServiceRequestID != nil)),
                ("parent_service_request_id", .text(r.parentServiceRequestID)),
                ("child_count", .integer(r.childCount)),
                ("ward", .text(r.ward)),
                ("channel", .text(r.channel.isEmpty ? nil : r.channel)),
                ("location_precision", .text(hide ? "block" : r.locationPrecision)),
            ])))
            fields.append(("notes", .list(item: "note", r.notes.map { note in
                .object([
                    ("datetime", .text(clock.w3c(note.at))),
                    ("summary", .text(note.summary)),
                    ("type", .text(note.kind.rawValue)),
                    ("description", .text(note.description.isEmpty ? nil : note.description)),
                ])
            })))
        }
        return .object(fields)
    }

    static func service(_ t: ServiceType) -> Open311Node {
        .object([
            ("service_code", .text(t.code)),
            ("service_name", .text(t.name)),
            ("description", .text(t.description.isEmpty ? nil : t.description)),
            ("metadata", .bool(!t.attributes.isEmpty)),
            ("type", .text("realtime")),
            ("keywords", .text(t.keywords.isEmpty ? nil : t.keywords.joined(separator: ","))),
            ("group", .text(t.group.isEmpty ? nil : t.group)),
        ])
    }

    static func definition(_ t: ServiceType) -> Open311Node {
        .object([
            ("service_code", .text(t.code)),
            ("attributes", .list(item: "attribute", t.attributes.sorted { $0.order < $1.order }.map { a in
                .object([
                    ("variable", .bool(a.variable)),
                    ("code", .text(a.code)),
                    ("datatype", .text(a.datatype.rawValue)),
                    ("required", .bool(a.required)),
                    ("datatype_description", .text(a.datatypeDescription.isEmpty ? nil : a.datatypeDescription)),
                    ("order", .integer(a.order)),
                    ("description", .text(a.description)),
                    ("values", .list(item: "value", a.values.map { .object([("key", .text($0.key)), ("name", .text($0.name))]) })),
                ])
            })),
        ])
    }
}
