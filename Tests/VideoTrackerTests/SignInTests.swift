import Foundation
import Testing

/// A browser in front of a service with a token: the real binary started with `--token-file`,
/// asked over real HTTP the way a browser asks (page loads with `Accept: text/html`, `<img>` and
/// script requests without it, the token in the cookie the sign-in page sets).
@Suite("Browser sign-in with a token", .serialized)
struct SignInTests {
    /// Characters a cookie value cannot hold as they are: the sign-in script percent-encodes them.
    static let token = "s3cret; token=é%"
    /// `encodeURIComponent(token)`, as `Static/signin.js` writes the cookie.
    static let cookie = "Cookie: video_tracker_token=s3cret%3B%20token%3D%C3%A9%25"
    static let wrongCookie = "Cookie: video_tracker_token=s3cret%3B%20token%3D%C3%A9%26"
    /// What Chromium sends with a page load, and with an `<img>`.
    static let pageAccept = "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    static let imageAccept = "Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"

    static func service() async throws -> ServiceProcess {
        let tokenFile = temporaryFolder("signin-token").appendingPathComponent("token")
        try Data((token + "\n").utf8).write(to: tokenFile)
        return try await ServiceProcess(arguments: ["--token-file", tokenFile.path])
    }

    @Test("the cookie opens the API (GET and POST), the pages and a camera's picture; the header works as before and wins")
    func cookieAccepted() async throws {
        let service = try await Self.service()
        let jobs = try await httpBytes(service.baseURL + "/jobs", headers: [Self.cookie])
        #expect(jobs.status == 200 && jobs.json?["jobs"] != nil, "\(jobs.status) \(jobs.text)")
        let created = try await httpBytes(service.baseURL + "/cameras", method: "POST", body: Data(#"{"name": "door"}"#.utf8),
                                          contentType: "application/json", headers: [Self.cookie])
        #expect(created.status == 201, "\(created.status) \(created.text)")
        let id = try #require(created.json?["id"] as? String)
        let listed = try await httpBytes(service.baseURL + "/cameras", headers: [Self.cookie])
        #expect(((listed.json?["cameras"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == [id], "\(listed.text)")
        // An <img> of an import-only camera: past the token, the camera's own answer (no picture yet).
        let picture = try await httpBytes(service.baseURL + "/cameras/\(id)/live.jpg", headers: [Self.imageAccept, Self.cookie])
        #expect(picture.status == 404 && picture.errorCode == "no_live_frame", "\(picture.status) \(picture.text)")

        let page = try await httpBytes(service.baseURL + "/", headers: [Self.pageAccept, Self.cookie])
        #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("<form id=\"job-form\"") && page.text.contains("id=\"sign-out\""), "\(page.text.prefix(300))")
        let dashboard = try await httpBytes(service.baseURL + "/dashboard", headers: [Self.pageAccept, Self.cookie])
        #expect(dashboard.status == 200 && dashboard.text.contains("<canvas id=\"overlay\""))

        // A client sending the header is judged by it alone, whatever its cookie says.
        let headerWins = try await httpBytes(service.baseURL + "/jobs", headers: ["Authorization: Bearer \(Self.token)", Self.wrongCookie])
        #expect(headerWins.status == 200)
        let wrongHeader = try await httpBytes(service.baseURL + "/jobs", headers: ["Authorization: Bearer s3cret", Self.cookie])
        #expect(wrongHeader.status == 401 && wrongHeader.errorCode == "token_invalid" && wrongHeader.errorField == "Authorization")
    }

    @Test("a wrong cookie, or none, is the JSON 401 for everything but a page load; /healthz and the sign-in page's files stay open")
    func jsonErrorsStay() async throws {
        let service = try await Self.service()
        for (method, path, accept) in [("GET", "/jobs", "Accept: application/json"), ("GET", "/cameras", "Accept: */*"),
                                       ("POST", "/cameras", "Accept: text/html"), ("DELETE", "/jobs/abcdefghijklmnop", "Accept: text/html"),
                                       ("GET", "/cameras/abc/live.jpg", Self.imageAccept), ("GET", "/static/app.js", "Accept: */*")] {
            let body = method == "POST" ? Data("{}".utf8) : nil
            let wrong = try await httpBytes(service.baseURL + path, method: method, body: body, contentType: "application/json",
                                            headers: [accept, Self.wrongCookie])
            #expect(wrong.status == 401 && wrong.errorCode == "token_invalid" && wrong.errorField == "Cookie",
                    "\(method) \(path): \(wrong.status) \(wrong.text)")
            #expect(wrong.headers["www-authenticate"] == "Bearer" && wrong.headers["content-type"] == "application/json")
            let without = try await httpBytes(service.baseURL + path, method: method, body: body, contentType: "application/json",
                                              headers: [accept])
            #expect(without.status == 401 && without.errorCode == "token_required", "\(method) \(path): \(without.status) \(without.text)")
            #expect(without.headers["www-authenticate"] == "Bearer" && without.headers["content-type"] == "application/json")
        }
        let health = try await httpBytes(service.baseURL + "/healthz")
        #expect(health.status == 200 && health.text.contains("ok"))
        let script = try await httpBytes(service.baseURL + "/static/signin.js")
        #expect(script.status == 200 && script.headers["content-type"] == "text/javascript; charset=utf-8"
                && script.text.contains("SameSite=Strict"))
        let style = try await httpBytes(service.baseURL + "/static/signin.css")
        #expect(style.status == 200 && style.headers["content-type"] == "text/css; charset=utf-8")
        // Only those two: every other static file still needs the token.
        for file in ["style.css", "dashboard.js", "dashboard.css", "app.js"] {
            #expect(try await httpBytes(service.baseURL + "/static/" + file).status == 401, "\(file)")
        }
    }

    @Test("a page load without the token gets the sign-in page with status 401; with a wrong cookie, the page says so")
    func signInPage() async throws {
        let service = try await Self.service()
        for path in ["/", "/dashboard", "/jobs/abcdefghijklmnop"] {
            let signIn = try await httpBytes(service.baseURL + path, headers: [Self.pageAccept])
            #expect(signIn.status == 401 && signIn.headers["content-type"] == "text/html; charset=utf-8", "\(path): \(signIn.status)")
            #expect(signIn.headers["www-authenticate"] == "Bearer" && signIn.headers["cache-control"] == "no-store")
            for piece in ["<form id=\"signin-form\">", "<input type=\"password\" id=\"token\"", "/static/signin.js", "/static/signin.css",
                          "<p id=\"refused\" class=\"error\" role=\"alert\" hidden>"] {
                #expect(signIn.text.contains(piece), "\(path): the sign-in page lacks \(piece)")
            }
            #expect(!signIn.text.contains("src=\"http") && !signIn.text.contains("href=\"http"), "nothing loaded from elsewhere")
            #expect(!signIn.text.contains("job-form") && !signIn.text.contains("overlay"), "none of the page behind it")

            let refused = try await httpBytes(service.baseURL + path, headers: [Self.pageAccept, Self.wrongCookie])
            #expect(refused.status == 401 && refused.text.contains("<form id=\"signin-form\">"))
            #expect(refused.text.contains("<p id=\"refused\" class=\"error\" role=\"alert\">That token was not accepted.</p>"),
                    "\(path): \(refused.text)")
        }
        // A page load with the header is a program's: the JSON error, as before.
        let withHeader = try await httpBytes(service.baseURL + "/", headers: [Self.pageAccept, "Authorization: Bearer nope"])
        #expect(withHeader.status == 401 && withHeader.errorCode == "token_invalid")
    }
}
