/*
 * TLS client credentials compiled into a FreeRTOS application.
 *
 * For development only: iotforge writes the thing's certificate (and, unless the key lives in
 * secure storage, its private key) here as C string literals. Production devices should keep
 * private keys in a secure element or behind PKCS #11, never in firmware images.
 *
 * Each value is PEM text including its BEGIN and END lines, one C string per line:
 *     "-----BEGIN CERTIFICATE-----\n" \
 *     "...base64 data...\n" \
 *     "-----END CERTIFICATE-----\n"
 */

#ifndef AWS_CLIENT_CREDENTIAL_KEYS_H
#define AWS_CLIENT_CREDENTIAL_KEYS_H

/* Client certificate for TLS client authentication. */
#ifndef keyCLIENT_CERTIFICATE_PEM
    #define keyCLIENT_CERTIFICATE_PEM    ""
#endif

/* Issuer certificate for Just In Time Registration; leave empty when not using JITR. */
#ifndef keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM
    #define keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM    ""
#endif

/* Client private key matching the certificate above. */
#ifndef keyCLIENT_PRIVATE_KEY_PEM
    #define keyCLIENT_PRIVATE_KEY_PEM    ""
#endif

#endif /* AWS_CLIENT_CREDENTIAL_KEYS_H */
