"""Grammar of on-device voice commands used to generate the synthetic ASR corpus.

Reads nothing and writes nothing: `sample(rng)` returns one phrase (lowercase words,
numbers spelled out) drawn from weighted templates covering timers, alarms, durations and
times, numbers, calls and messages to contacts, smart-home devices and rooms, media,
navigation and weather. `python3 grammar.py` prints samples and the vocabulary size.
"""
import random

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
        "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
            "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
            "twenty first", "twenty second", "twenty third", "twenty fourth", "twenty fifth",
            "twenty sixth", "twenty seventh", "twenty eighth", "twenty ninth", "thirtieth",
            "thirty first"]


def number(n):
    """Spell out 0 <= n < 10000 the way people say it in commands."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number(rest))
    rest = n % 1000
    return number(n // 1000) + " thousand" + ("" if rest == 0 else " " + number(rest))


CONTACTS = ["mom", "dad", "grandma", "grandpa", "anna", "ben", "carlos", "david", "emma",
            "frank", "grace", "henry", "isabel", "jack", "julia", "kevin", "laura", "lucas",
            "maria", "michael", "nina", "oliver", "peter", "rachel", "sam", "sarah", "sophie",
            "thomas", "victor", "william", "zoe", "the office", "the doctor", "my wife",
            "my husband", "my sister", "my brother", "the dentist"]
ROOMS = ["kitchen", "living room", "bedroom", "bathroom", "garage", "office", "hallway",
         "dining room", "basement", "garden", "kids room", "guest room", "porch", "attic"]
LIGHTS = ["lights", "light", "lamp", "ceiling light", "desk lamp", "floor lamp"]
DEVICES = ["fan", "heater", "air conditioner", "tv", "television", "speaker", "radio",
           "coffee maker", "dishwasher", "washing machine", "oven", "vacuum", "sprinklers",
           "humidifier", "blinds", "curtains"]
COLORS = ["red", "blue", "green", "yellow", "orange", "purple", "pink", "white", "warm white",
          "cool white"]
ARTISTS = ["the beatles", "taylor swift", "queen", "miles davis", "adele", "coldplay",
           "bob marley", "mozart", "beethoven", "the rolling stones", "abba", "nirvana",
           "madonna", "elton john", "frank sinatra"]
GENRES = ["jazz", "rock", "classical music", "pop music", "the news", "podcasts",
          "country music", "hip hop", "relaxing music", "workout music", "reggae", "blues",
          "folk music", "piano music", "rain sounds", "white noise"]
PLACES = ["home", "work", "the airport", "the train station", "the nearest gas station",
          "the closest pharmacy", "the hospital", "the supermarket", "the library",
          "the beach", "downtown", "the museum", "the park", "the stadium", "the bank",
          "the post office", "a coffee shop", "a restaurant", "the mall", "the school",
          "the gym", "the hotel", "the bus stop", "the city center"]
CITIES = ["london", "paris", "berlin", "new york", "chicago", "boston", "seattle", "tokyo",
          "madrid", "rome", "sydney", "toronto", "denver", "dallas", "miami", "dublin",
          "amsterdam", "vienna", "oslo", "san francisco", "los angeles", "mexico city"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "today", "tomorrow", "tonight", "this weekend", "next week", "this afternoon",
        "this evening", "tomorrow morning", "the day after tomorrow"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
MESSAGES = ["i am running late", "i will be home soon", "call me back", "see you tonight",
            "happy birthday", "i love you", "on my way", "thank you so much",
            "dinner is ready", "can you pick up some milk", "the meeting is cancelled",
            "let us meet at the park", "i am stuck in traffic", "good night",
            "please send me the address", "where are you", "i will call you later",
            "do not forget the keys", "the kids are asleep", "see you in the morning"]
UNITS = ["second", "minute", "hour"]
TIMER_NAMES = ["pasta", "eggs", "laundry", "pizza", "tea", "rice", "cookies", "bread",
               "workout", "nap", "homework", "parking"]
TEMPS_WORDS = ["degrees", "degrees celsius", "degrees fahrenheit"]


def pick(rng, xs):
    return xs[rng.randrange(len(xs))]


def duration(rng):
    r = rng.random()
    if r < 0.15:
        return pick(rng, ["a minute", "an hour", "half an hour", "a quarter of an hour",
                          "thirty seconds", "ninety seconds", "one and a half hours",
                          "a few minutes"])
    if r < 0.3:
        h = rng.randint(1, 5)
        m = pick(rng, [5, 10, 15, 20, 30, 45])
        hs = "one hour" if h == 1 else number(h) + " hours"
        return hs + " and " + number(m) + " minutes"
    if r < 0.4:
        m = rng.randint(1, 10)
        s = rng.randint(1, 59)
        ms = "one minute" if m == 1 else number(m) + " minutes"
        return ms + " and " + number(s) + (" second" if s == 1 else " seconds")
    unit = pick(rng, UNITS)
    n = rng.randint(1, 99 if unit != "hour" else 12)
    return number(n) + " " + unit + ("" if n == 1 else "s")


def clock_time(rng):
    h = rng.randint(1, 12)
    m = rng.randrange(60)
    r = rng.random()
    if m == 0 or r < 0.15:
        t = number(h) + pick(rng, [" o'clock", "", " o'clock"])
    elif r < 0.3:
        t = pick(rng, ["half past ", "quarter past ", "quarter to ", "ten past ",
                       "twenty to ", "five past "]) + number(h)
    elif m < 10:
        t = number(h) + " oh " + number(m)
    else:
        t = number(h) + " " + number(m)
    suffix = pick(rng, ["", "", " in the morning", " in the evening", " in the afternoon",
                        " at night"])
    return t + suffix


def date(rng):
    r = rng.random()
    if r < 0.5:
        return pick(rng, DAYS)
    if r < 0.8:
        return pick(rng, MONTHS) + " " + pick(rng, ORDINALS)
    return "the " + pick(rng, ORDINALS) + " of " + pick(rng, MONTHS)


def percent(rng):
    return number(pick(rng, [5, 10, 15, 20, 25, 30, 35, 40, 50, 60, 65, 70, 75, 80, 90,
                             100])) + " percent"


def temperature(rng):
    if rng.random() < 0.5:
        return number(rng.randint(60, 80)) + pick(rng, ["", " degrees"])
    return number(rng.randint(16, 28)) + " " + pick(rng, TEMPS_WORDS)


def _timer(rng):
    d = duration(rng)
    return pick(rng, [
        f"set a timer for {d}",
        f"set a {d} timer",
        f"start a timer for {d}",
        f"timer for {d}",
        f"set a timer for {d} called {pick(rng, TIMER_NAMES)}",
        f"set a {pick(rng, TIMER_NAMES)} timer for {d}",
        f"add {d} to the timer",
        f"add {d} to the {pick(rng, TIMER_NAMES)} timer",
        f"how much time is left on the {pick(rng, TIMER_NAMES)} timer",
        "how much time is left on my timer",
        pick(rng, ["cancel the timer", "stop the timer", "pause the timer",
                   "resume the timer", "cancel all timers", "show my timers"]),
        f"remind me in {d} to check the {pick(rng, TIMER_NAMES)}",
    ])


def _alarm(rng):
    t = clock_time(rng)
    return pick(rng, [
        f"set an alarm for {t}",
        f"wake me up at {t}",
        f"set an alarm for {t} {pick(rng, DAYS)}",
        f"wake me up {pick(rng, DAYS)} at {t}",
        f"set an alarm for {t} every {pick(rng, DAYS[:7])}",
        f"change my {t} alarm to {clock_time(rng)}",
        f"cancel my alarm for {t}",
        f"delete the {t} alarm",
        f"snooze for {number(rng.randint(2, 20))} minutes",
        pick(rng, ["turn off my alarm", "snooze", "what alarms do i have",
                   "cancel all my alarms", "stop the alarm"]),
        f"remind me to {pick(rng, ['call', 'text', 'email'])} {pick(rng, CONTACTS)} at {t}",
        f"remind me {pick(rng, DAYS)} at {t} to take out the trash",
    ])


def _numbers(rng):
    n = rng.randint(0, 9999)
    a, b = rng.randint(2, 999), rng.randint(2, 99)
    return pick(rng, [
        f"what is {number(a)} plus {number(b)}",
        f"what is {number(a)} minus {number(b)}",
        f"what is {number(a)} times {number(b)}",
        f"what is {number(a)} divided by {number(b)}",
        f"what is {number(b)} percent of {number(a)}",
        f"convert {number(rng.randint(1, 500))} {pick(rng, ['miles', 'pounds', 'inches', 'feet', 'ounces', 'cups'])} to {pick(rng, ['kilometers', 'kilograms', 'centimeters', 'meters', 'grams', 'liters'])}",
        f"what is the square root of {number(n)}",
        f"dial {' '.join(ONES[int(c)] for c in str(rng.randint(10 ** 6, 10 ** 7 - 1)))}",
        f"what time is it in {pick(rng, CITIES)}",
        "what time is it",
        f"what day is {date(rng)}",
        f"how many days until {date(rng)}",
    ])


def _call(rng):
    c = pick(rng, CONTACTS)
    return pick(rng, [
        f"call {c}",
        f"call {c} on speaker",
        f"call {c} {pick(rng, ['at home', 'at work', 'on the mobile'])}",
        f"video call {c}",
        f"send a message to {c}",
        f"text {c} {pick(rng, MESSAGES)}",
        f"send a message to {c} saying {pick(rng, MESSAGES)}",
        f"tell {c} {pick(rng, MESSAGES)}",
        f"reply {pick(rng, MESSAGES)}",
        f"read my messages from {c}",
        f"did {c} call me",
        f"send an email to {c}",
        f"email {c} {pick(rng, MESSAGES)}",
        pick(rng, ["read my messages", "hang up", "answer the call", "redial",
                   "who called me", "check my voicemail", "end the call"]),
    ])


def _home(rng):
    room = pick(rng, ROOMS)
    dev = pick(rng, DEVICES)
    light = pick(rng, LIGHTS)
    return pick(rng, [
        f"turn on the {room} {light}",
        f"turn off the {room} {light}",
        f"turn {pick(rng, ['on', 'off'])} the {light} in the {room}",
        f"dim the {room} {light} to {percent(rng)}",
        f"set the {room} {light} to {percent(rng)}",
        f"set the {light} in the {room} to {pick(rng, COLORS)}",
        f"make the {room} {light} {pick(rng, ['brighter', 'dimmer', 'warmer', 'cooler'])}",
        f"turn {pick(rng, ['on', 'off'])} the {dev}",
        f"turn {pick(rng, ['on', 'off'])} the {room} {dev}",
        f"set the thermostat to {temperature(rng)}",
        f"set the {room} temperature to {temperature(rng)}",
        f"{pick(rng, ['raise', 'lower'])} the temperature by {number(rng.randint(1, 5))} degrees",
        f"what is the temperature in the {room}",
        f"is the {room} {pick(rng, ['door', 'window'])} {pick(rng, ['locked', 'open', 'closed'])}",
        f"{pick(rng, ['lock', 'unlock', 'close', 'open'])} the {pick(rng, ['front door', 'back door', 'garage door', 'windows'])}",
        f"{pick(rng, ['open', 'close'])} the {room} {pick(rng, ['blinds', 'curtains'])}",
        f"start the {pick(rng, ['vacuum', 'dishwasher', 'washing machine', 'coffee maker'])}",
        f"turn off all the lights",
        f"turn off everything in the {room}",
        f"set the fan to {pick(rng, ['low', 'medium', 'high'])}",
        f"preheat the oven to {number(pick(rng, [300, 325, 350, 375, 400, 425, 450]))} degrees",
    ])


def _media(rng):
    return pick(rng, [
        f"play {pick(rng, ARTISTS)}",
        f"play some {pick(rng, GENRES)}",
        f"play {pick(rng, GENRES)} in the {pick(rng, ROOMS)}",
        f"play the latest album by {pick(rng, ARTISTS)}",
        f"play songs by {pick(rng, ARTISTS)} on the {pick(rng, ROOMS)} speaker",
        f"set the volume to {percent(rng)}",
        f"set the volume to {number(rng.randint(1, 10))}",
        f"turn the volume {pick(rng, ['up', 'down'])}",
        f"turn it {pick(rng, ['up', 'down'])} a little",
        f"skip {pick(rng, ['this song', 'forward', 'back'])} {pick(rng, ['', 'thirty seconds', 'two minutes'])}".strip(),
        f"rewind {duration(rng)}",
        f"fast forward {duration(rng)}",
        f"play track {number(rng.randint(1, 20))}",
        f"stop playing in {duration(rng)}",
        pick(rng, ["pause the music", "resume playing", "next song", "previous song",
                   "what song is this", "who sings this song", "shuffle my playlist",
                   "repeat this song", "stop the music", "mute", "unmute",
                   "play my favorites", "like this song", "play the radio"]),
    ])


def _nav(rng):
    p = pick(rng, PLACES)
    return pick(rng, [
        f"navigate to {p}",
        f"take me to {p}",
        f"directions to {p}",
        f"how far is {p}",
        f"how long will it take to get to {p}",
        f"find {pick(rng, ['a', 'the nearest', 'the closest'])} {pick(rng, ['gas station', 'pharmacy', 'parking lot', 'coffee shop', 'restaurant', 'hotel', 'charging station', 'supermarket'])}",
        f"avoid {pick(rng, ['tolls', 'highways', 'traffic'])} on the way to {p}",
        f"what is the traffic like on the way to {p}",
        f"share my location with {pick(rng, CONTACTS)}",
        f"when will i arrive at {p}",
        f"add a stop at {p}",
        pick(rng, ["cancel navigation", "where am i", "show me the route",
                   "stop navigation", "how much longer", "what is my next turn"]),
    ])


def _weather(rng):
    c = pick(rng, CITIES)
    d = pick(rng, DAYS)
    return pick(rng, [
        "what is the weather",
        f"what is the weather {d}",
        f"what is the weather in {c}",
        f"what is the weather in {c} {d}",
        f"will it rain {d}",
        f"will it {pick(rng, ['rain', 'snow'])} in {c} {d}",
        f"is it going to be {pick(rng, ['hot', 'cold', 'sunny', 'windy', 'cloudy'])} {d}",
        f"do i need an umbrella {d}",
        f"what is the temperature in {c}",
        f"how hot will it be {d}",
        f"what is the forecast for {d}",
        f"when is sunrise {d}",
        f"when is sunset in {c}",
        f"what is the humidity in {c}",
        f"is there a storm warning for {c}",
    ])


DOMAINS = [(_timer, 14), (_alarm, 13), (_numbers, 10), (_call, 14), (_home, 18),
           (_media, 12), (_nav, 10), (_weather, 9)]
_WEIGHTS = [w for _, w in DOMAINS]


def sample(rng):
    """Return one command phrase: lowercase words separated by single spaces."""
    gen = rng.choices([g for g, _ in DOMAINS], weights=_WEIGHTS)[0]
    return " ".join(gen(rng).split())


def vocabulary(n=200000, seed=0):
    rng = random.Random(seed)
    words = set()
    for _ in range(n):
        words.update(sample(rng).split())
    return words


if __name__ == "__main__":
    rng = random.Random(1)
    for _ in range(30):
        print(sample(rng))
    v = vocabulary()
    print(len(v), "distinct words")
