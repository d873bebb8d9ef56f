import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3 description of every endpoint, built into the binary from
/// `openapi.json` beside this file (a test holds it to the routes the server has).
struct OpenAPIRoutes {
    static var document: [UInt8] { PackageResources.openapi_json }

    func register(on api: APIRouter) {
        api.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: Self.document)))
        }
    }
}
