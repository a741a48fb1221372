// PURGE for nginx's page cache (njs, Debian's libnginx-mod-http-js), as Wagtail's
// frontend-cache invalidation sends it: `PURGE /path/?from=12` from an app server.
//
// nginx names each cached copy by the MD5 of its cache key and keeps it at
// <cache>/<last hex digit>/<the two before>/<md5> (proxy_cache_path levels=1:2). Removing
// that file is a purge: nginx finds no file behind its index entry, treats the request as
// a miss and fetches the page afresh. The key is worked out by nginx itself
// ($fascia_cache_key in nginx.conf.template), so this file never has to agree with it.
//
// Debian's libnginx-mod-http-cache-purge (2.3) is not used: it copies a private nginx
// structure that changed in nginx 1.11.6, and its workers crash on every PURGE.

const crypto = require('crypto');
const fs = require('fs');

function purge(r) {
    const md5 = crypto.createHash('md5').update(r.variables.fascia_cache_key).digest('hex');
    const path = [r.variables.fascia_cache_dir, md5.slice(-1), md5.slice(-3, -1), md5].join('/');
    try {
        fs.unlinkSync(path);
    } catch (error) {
        if (error.code !== 'ENOENT') {
            throw error;
        }
        r.return(204);  // nothing kept for this address: nothing to do
        return;
    }
    r.return(200, 'Purged ' + r.variables.fascia_cache_key + '\n');
}

export default {purge};
