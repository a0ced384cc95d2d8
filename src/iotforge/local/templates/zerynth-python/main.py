# AWS IoT thing: publishes a sample reading every few seconds.
# Every thing-specific value (endpoint, thing name, MQTT id) comes from thing.conf.json, so the same
# code runs on every device of the fleet: `iotforge set-active-thing` switches which one it is.
import helpers

config = helpers.load_thing_config()
helpers.connect_wifi(config["wifi_ssid"], config["wifi_password"])
thing = helpers.connect_thing(config)

counter = 0
while True:
    counter += 1
    thing.publish(config["thingname"] + "/telemetry", {"count": counter})
    helpers.sleep_seconds(config["publish_period_s"])
