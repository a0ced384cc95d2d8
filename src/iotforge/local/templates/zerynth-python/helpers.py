# Helpers for main.py: configuration, Wi-Fi and the MQTT connection to AWS IoT.
# Replace the bodies with your board's drivers; main.py only relies on these functions.
import json


def load_thing_config(path="thing.conf.json"):
    with open(path) as source:
        return json.load(source)


def connect_wifi(ssid, password):
    raise NotImplementedError("connect to Wi-Fi with your board's driver")


def connect_thing(config):
    """Open MQTT over TLS to config['endpoint']:8883 as config['mqttid'] with the root key and certificate."""
    raise NotImplementedError("open the MQTT connection with your board's AWS IoT library")


def sleep_seconds(seconds):
    import time

    time.sleep(seconds)
