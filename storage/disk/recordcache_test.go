package disk

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// fillValue sets every field of v, recursively, to a value that is not the zero value: maps get an
// entry, slices an element, pointers a filled value.
func fillValue(t *testing.T, v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 1, 0, 0, *n, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fillValue(t, v.Field(i), n)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillValue(t, v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillValue(t, v.Index(0), n)
	case reflect.Array:
		for i := range v.Len() {
			fillValue(t, v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillValue(t, k, n)
		fillValue(t, e, n)
		v.SetMapIndex(k, e)
	case reflect.String:
		v.SetString(string(rune('a' + *n%26)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Uint8, reflect.Uint64, reflect.Uint32, reflect.Uint:
		v.SetUint(uint64(*n))
	default:
		t.Fatalf("fill: a field of kind %s: teach fillValue and clone about it", v.Kind())
	}
}

// sharesNothing reports the first map, slice or pointer that a and b share, by path.
func sharesNothing(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() {
			return "" // immutable
		}
		for i := range a.NumField() {
			if p := sharesNothing(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	case reflect.Pointer:
		if a.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return sharesNothing(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.Len() == 0 {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		for i := range a.Len() {
			if p := sharesNothing(a.Index(i), b.Index(i), path+"[i]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
	}
	return ""
}

// The cache hands out clones: a record with every field set shares nothing with its clone,
// and is equal to it.
func TestRecordCloneSharesNothing(t *testing.T) {
	var rec objectRecord
	n := 0
	fillValue(t, reflect.ValueOf(&rec).Elem(), &n)
	c := rec.clone()
	if !reflect.DeepEqual(rec, c) {
		t.Fatalf("clone differs:\n%+v\n%+v", rec, c)
	}
	if p := sharesNothing(reflect.ValueOf(rec), reflect.ValueOf(c), "objectRecord"); p != "" {
		t.Errorf("the clone shares %s with the record", p)
	}
}

// A record decoded from the cache equals one decoded afresh, and what a caller does to the
// record it got never reaches the next caller.
func TestDecodeObjectFromCache(t *testing.T) {
	var rec objectRecord
	n := 100
	fillValue(t, reflect.ValueOf(&rec).Elem(), &n)
	v, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var want objectRecord
	if err := decode(v, &want); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		got, err := decodeObject(v)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read %d:\n got %+v\nwant %+v", i, got, want)
		}
		// Change everything the caller got.
		got.Metadata.User["changed"] = "yes"
		*got.Initiator += "changed"
		got.Retention.Mode = "changed"
		got.PartSizes[0][0]++
		got.Encryption.Box[0]++
		got.Encryption.Segments[0].Size++
		got.Encryption.KeyID = "changed"
	}
	if _, ok := objectRecords.cur[string(v)]; !ok {
		t.Error("the record is not in the cache")
	}
	// A record past the bound is decoded each time, never kept.
	big := rec.clone()
	big.PartSizes = make([]partRun, maxCachedRecord)
	bv, _ := json.Marshal(big)
	if _, err := decodeObject(bv); err != nil {
		t.Fatal(err)
	}
	if _, ok := objectRecords.cur[string(bv)]; ok {
		t.Error("a record longer than maxCachedRecord was kept")
	}
}

// The cache holds at most two generations of recordCacheEntries.
func TestRecordCacheBounded(t *testing.T) {
	for i := range 3*recordCacheEntries + 7 {
		v, _ := json.Marshal(objectRecord{File: string(rune(i)) + "file", Size: int64(i)})
		if _, err := decodeObject(v); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(objectRecords.cur) + len(objectRecords.prev); n > 2*recordCacheEntries {
		t.Errorf("%d records cached, bound %d", n, 2*recordCacheEntries)
	}
}

func BenchmarkDecodeObject(b *testing.B) {
	var rec objectRecord
	n := 0
	fillValue(&testing.T{}, reflect.ValueOf(&rec).Elem(), &n)
	rec.PartSizes, rec.Retention, rec.Initiator = nil, nil, nil
	v, _ := json.Marshal(rec)
	b.Run("impl=json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r objectRecord
			_ = decode(v, &r)
		}
	})
	b.Run("impl=cache", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = decodeObject(v)
		}
	})
}
