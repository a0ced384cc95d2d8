/*
 * AWS IoT connection settings for a FreeRTOS application.
 *
 * iotforge fills in the two string macros below when it creates a thing for this project:
 * the broker endpoint (`iotforge endpoint` prints it) and the thing name, which is also the
 * MQTT client identifier and so must be unique per device. The values shipped here are the
 * placeholders used by Arm's FreeRTOS reference applications; iotforge treats them, and empty
 * strings, as "not configured yet".
 */

#ifndef __AWS_CLIENTCREDENTIAL__H__
#define __AWS_CLIENTCREDENTIAL__H__

/* Broker endpoint: the account's AWS IoT data endpoint (iot:Data-ATS). */
#define clientcredentialMQTT_BROKER_ENDPOINT    "dummy.endpointid.amazonaws.com"

/* Thing name, used as the MQTT client identifier. */
#define clientcredentialIOT_THING_NAME               "dummy_thingname"

/* Secured MQTT; port 443 would need the ALPN TLS extension. */
#define clientcredentialMQTT_BROKER_PORT             8883

#define clientcredentialGREENGRASS_DISCOVERY_PORT    8443
#define clientcredentialWIFI_SSID                    ""
#define clientcredentialWIFI_PASSWORD                ""
#define clientcredentialWIFI_SECURITY                eWiFiSecurityWPA2
#endif /* ifndef __AWS_CLIENTCREDENTIAL__H__ */
