// libcurl for Swift: Swift cannot call C variadic functions, so every `curl_easy_setopt`,
// `curl_easy_getinfo` and `curl_multi_setopt` call careline makes goes through one of these typed wrappers,
// one per argument type. Each passes its argument on unchanged.
#ifndef CARELINE_CCURL_SHIM_H
#define CARELINE_CCURL_SHIM_H

#include <curl/curl.h>

/// `curl_easy_setopt` for options that take a `long` (flags, timeouts in milliseconds, sizes).
static inline CURLcode careline_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options that take a `curl_off_t` (the `_LARGE` sizes).
static inline CURLcode careline_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options that take a C string (libcurl copies it, except `CURLOPT_POSTFIELDS`).
static inline CURLcode careline_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options that take an opaque pointer (`CURLOPT_WRITEDATA`, `CURLOPT_PRIVATE`,
/// `CURLOPT_COPYPOSTFIELDS`).
static inline CURLcode careline_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options that take a header list (`CURLOPT_HTTPHEADER`); the list must outlive the
/// transfer.
static inline CURLcode careline_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for `CURLOPT_WRITEFUNCTION` and `CURLOPT_HEADERFUNCTION` (both take this signature).
static inline CURLcode careline_easy_setopt_write_callback(
    CURL *handle, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_getinfo` for `long` results (`CURLINFO_RESPONSE_CODE`).
static inline CURLcode careline_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for `double` results (`CURLINFO_TOTAL_TIME`, seconds).
static inline CURLcode careline_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for `curl_off_t` results (the `_T` variants).
static inline CURLcode careline_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for pointer results (`CURLINFO_PRIVATE`).
static inline CURLcode careline_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for string results (`CURLINFO_EFFECTIVE_URL`, `CURLINFO_PRIMARY_IP`); libcurl owns the
/// returned string.
static inline CURLcode careline_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_multi_setopt` for options that take a `long` (`CURLMOPT_MAX_HOST_CONNECTIONS`, `CURLMOPT_MAXCONNECTS`).
static inline CURLMcode careline_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// `curl_version_info(CURLVERSION_NOW)`: the linked libcurl's version, TLS library, protocols and features.
/// `CURLVERSION_NOW` is a macro naming the newest struct layout the headers know, which Swift cannot import.
static inline const curl_version_info_data *careline_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}

/// Whether the linked libcurl was built with HTTP/2 (`CURL_VERSION_HTTP2` in its feature bits).
static inline int careline_version_has_http2(const curl_version_info_data *info) {
    return info != NULL && (info->features & CURL_VERSION_HTTP2) != 0;
}

#endif
