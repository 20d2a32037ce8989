// Typed wrappers for libcurl's variadic setters, which Swift cannot call.
#include "CVideoTracker.h"

#include <sys/socket.h>

CURLcode cvt_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode cvt_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode cvt_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode cvt_curl_set_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode cvt_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode cvt_curl_set_write_callback(CURL *handle, cvt_curl_data_callback callback, void *context) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_WRITEDATA, context);
}

CURLcode cvt_curl_set_header_callback(CURL *handle, cvt_curl_data_callback callback, void *context) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_HEADERDATA, context);
}

CURLcode cvt_curl_set_progress_callback(CURL *handle, cvt_curl_progress_callback callback, void *context) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
    if (code == CURLE_OK) code = curl_easy_setopt(handle, CURLOPT_XFERINFODATA, context);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
}

// Checking the address at socket time, not the host name, is what stops DNS rebinding and
// redirects to private addresses: this runs for every connection libcurl opens.
static curl_socket_t cvt_open_checked_socket(void *context, curlsocktype purpose, struct curl_sockaddr *address) {
    cvt_address_guard *guard = (cvt_address_guard *)context;
    (void)purpose;
    if (guard == NULL || guard->check == NULL ||
        !guard->check(guard->context, &address->addr, (int)address->addrlen)) {
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

CURLcode cvt_curl_set_address_guard(CURL *handle, cvt_address_guard *guard) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, cvt_open_checked_socket);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, guard);
}

long cvt_curl_response_code(CURL *handle) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

const char *cvt_curl_redirect_url(CURL *handle) {
    char *url = NULL;
    if (curl_easy_getinfo(handle, CURLINFO_REDIRECT_URL, &url) != CURLE_OK || url == NULL) return "";
    return url;
}

const char *cvt_curl_primary_ip(CURL *handle) {
    char *ip = NULL;
    if (curl_easy_getinfo(handle, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK || ip == NULL) return "";
    return ip;
}
